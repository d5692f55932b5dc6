package io.foleystream.onnx;

import io.foleystream.onnx.PackManifest.TensorSpec;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The I/O every model of a v2 pack must have, derived from the manifest's own dimensions.
 *
 * <p>The runners address tensors by these names and lay data out in these shapes, so a pack.json that
 * lists anything else is refused even when its ONNX files agree with it.
 */
final class PackContract {

    private static final long DYNAMIC = -1;

    record Io(List<TensorSpec> inputs, List<TensorSpec> outputs) {}

    private PackContract() {}

    static Map<PackComponent, Io> expected(PackManifest manifest) {
        long channels = manifest.latent().channels();
        long audioChannels = manifest.audioChannels();
        long gramDim = manifest.conditioning().gramDim();
        long tokenDim = manifest.conditioning().tokenDim();
        long size = manifest.preprocessing().video().size();
        long textLength = manifest.preprocessing().text().maxLength();
        long fbankFrames = manifest.preprocessing().audio().targetFrames();
        long melBins = manifest.preprocessing().audio().melBins();
        return Map.of(
                PackComponent.VIDEO_ENCODER, new Io(
                        List.of(f32("pixel_values", DYNAMIC, 3, size, size)),
                        List.of(f32("embeddings", DYNAMIC, gramDim))),
                PackComponent.TEXT_ENCODER, new Io(
                        List.of(i64("input_ids", DYNAMIC, textLength), i64("attention_mask", DYNAMIC, textLength)),
                        List.of(f32("embeddings", DYNAMIC, gramDim))),
                PackComponent.AUDIO_ENCODER, new Io(
                        List.of(f32("fbank", DYNAMIC, fbankFrames, melBins)),
                        List.of(f32("embeddings", DYNAMIC, gramDim))),
                PackComponent.PROJECTOR, new Io(
                        List.of(f32("embeddings", DYNAMIC, DYNAMIC, gramDim)),
                        List.of(f32("tokens", DYNAMIC, DYNAMIC, tokenDim))),
                PackComponent.ENVELOPE_ENCODER, new Io(
                        List.of(f32("envelope", DYNAMIC, audioChannels, DYNAMIC)),
                        List.of(f32("moments", DYNAMIC, 2 * channels, DYNAMIC))),
                PackComponent.DIT, new Io(
                        List.of(f32("x", DYNAMIC, channels, DYNAMIC), f32("t", DYNAMIC),
                                f32("cross_attn_cond", DYNAMIC, DYNAMIC, tokenDim),
                                f32("seconds_start", DYNAMIC), f32("seconds_total", DYNAMIC),
                                f32("controlnet_cond", DYNAMIC, channels, DYNAMIC), f32("controlnet_scale", DYNAMIC)),
                        List.of(f32("v", DYNAMIC, channels, DYNAMIC))),
                PackComponent.DECODER, new Io(
                        List.of(f32("latents", DYNAMIC, channels, DYNAMIC)),
                        List.of(f32("audio", DYNAMIC, audioChannels, DYNAMIC))));
    }

    /** Throws when the manifest's entry for a component lists other tensors than the contract. */
    static void check(PackComponent component, PackManifest.PackFile file, Io expected) {
        compare(component, "input", file.inputs(), expected.inputs());
        compare(component, "output", file.outputs(), expected.outputs());
    }

    private static void compare(PackComponent component, String kind, List<TensorSpec> listed, List<TensorSpec> needed) {
        List<String> listedNames = listed.stream().map(TensorSpec::name).sorted().toList();
        List<String> neededNames = needed.stream().map(TensorSpec::name).sorted().toList();
        if (!listedNames.equals(neededNames)) {
            throw new PackException("pack.json: files." + component.key() + " lists " + kind + "s " + listedNames
                    + ", contract " + PackManifest.FORMAT + " needs " + neededNames);
        }
        for (TensorSpec need : needed) {
            TensorSpec have = listed.stream().filter(spec -> spec.name().equals(need.name())).findFirst().orElseThrow();
            if (!have.dtype().equals(need.dtype()) || !Arrays.equals(have.shape(), need.shape())) {
                throw new PackException("pack.json: files." + component.key() + " " + kind + " '" + need.name()
                        + "' is " + have.dtype() + " " + have.shapeText() + ", contract " + PackManifest.FORMAT
                        + " with this pack's dimensions needs " + need.dtype() + " " + need.shapeText());
            }
        }
    }

    private static TensorSpec f32(String name, long... shape) {
        return new TensorSpec(name, "float32", shape);
    }

    private static TensorSpec i64(String name, long... shape) {
        return new TensorSpec(name, "int64", shape);
    }
}
