package io.foleystream.cli;

import io.foleystream.diffusion.Samplers;
import io.foleystream.proto.v1.EnvelopeSource;
import io.foleystream.proto.v1.JobRequest;
import io.foleystream.proto.v1.Modality;
import io.foleystream.proto.v1.SamplerSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The video and the generation settings of one job. */
final class JobOptions {

    @Parameters(index = "0", paramLabel = "VIDEO", description = "the video file to give sound to")
    Path video;

    @Option(names = "--prompt", description = "what the sound should be, e.g. 'a wooden stick hitting metal'")
    String prompt = "";

    @Option(names = "--negative-prompt",
            description = "what to steer away from: guidance's unconditional half carries it instead of nothing")
    String negativePrompt = "";

    @Option(names = "--seed", description = "random seed; the same seed and settings give the same sound "
            + "(default: the service chooses one and reports it in the job's status)")
    Long seed;

    @Option(names = "--steps", description = "sampler steps (default: the model pack's)")
    int steps;

    @Option(names = "--cfg-scale", description = "classifier-free guidance scale (default: the model pack's)")
    float cfgScale;

    @Option(names = "--sampler",
            description = "euler, dpmpp-2m, dpmpp-2m-sde or dpmpp-3m-sde (default: the model pack's)")
    String sampler = "";

    @Option(names = "--eta", description = "SDE samplers' noise amount: 0 is deterministic, 1 k-diffusion's default")
    Float eta;

    @Option(names = "--s-noise", description = "SDE samplers' noise scale (default 1)")
    Float sNoise;

    @Option(names = "--control-scale",
            description = "strength of the envelope ControlNet: 1 as trained (default), 0 turns timing control off")
    Float controlScale;

    @Option(names = "--modalities", split = ",", paramLabel = "M", converter = ModalityConverter.class,
            description = "GRAM conditioning to use, any of video,text,audio (default: all the upload and pack allow)")
    List<Modality> modalities = List.of();

    @Option(names = "--envelope-source", defaultValue = "auto",
            description = "where the timing envelope comes from: auto (the upload's audio, else the picture), audio or video")
    String envelopeSource;

    @Option(names = "--envelope-preset", description = "librosa-rms, stable-v2a or t-foley (default: the model pack's)")
    String envelopePreset = "";

    @Option(names = "--pack", description = "model pack as name or name@version (default: the deployment's default pack)")
    String pack = "";

    /** video, text or audio, in any case; the proto enum's other constants are not choices. */
    static final class ModalityConverter implements CommandLine.ITypeConverter<Modality> {
        @Override
        public Modality convert(String value) {
            return switch (value.trim().toLowerCase(java.util.Locale.ROOT)) {
                case "video" -> Modality.VIDEO;
                case "text" -> Modality.TEXT;
                case "audio" -> Modality.AUDIO;
                default -> throw new CommandLine.TypeConversionException(
                        "'" + value + "' is not a modality (video, text, audio)");
            };
        }
    }

    JobRequest request() {
        if (!Files.isRegularFile(video)) {
            throw new Foley.CliException(Foley.BAD_INPUT, "no such file: " + video);
        }
        if (steps < 0 || cfgScale < 0) {
            throw new Foley.CliException(Foley.BAD_INPUT, "--steps and --cfg-scale must not be negative");
        }
        for (Float value : new Float[] {eta, sNoise, controlScale}) {
            if (value != null && !(value >= 0 && Float.isFinite(value))) {
                throw new Foley.CliException(Foley.BAD_INPUT, "--eta, --s-noise and --control-scale must be ≥ 0");
            }
        }
        if (!sampler.isEmpty() && !Samplers.names().contains(sampler)) {
            throw new Foley.CliException(Foley.BAD_INPUT, "--sampler must be one of " + Samplers.names());
        }
        EnvelopeSource source = switch (envelopeSource) {
            case "auto" -> EnvelopeSource.ENVELOPE_SOURCE_AUTO;
            case "audio" -> EnvelopeSource.ENVELOPE_SOURCE_AUDIO;
            case "video" -> EnvelopeSource.ENVELOPE_SOURCE_VIDEO;
            default -> throw new Foley.CliException(Foley.BAD_INPUT,
                    "--envelope-source must be auto, audio or video, not " + envelopeSource);
        };
        SamplerSettings.Builder settings = SamplerSettings.newBuilder()
                .setSampler(sampler).setSteps(steps).setCfgScale(cfgScale);
        if (seed != null) {
            settings.setSeed(seed);
        }
        if (eta != null) {
            settings.setEta(eta);
        }
        if (sNoise != null) {
            settings.setSNoise(sNoise);
        }
        if (controlScale != null) {
            settings.setControlScale(controlScale);
        }
        return JobRequest.newBuilder()
                .setJobId(UUID.randomUUID().toString())
                .setPrompt(prompt)
                .setNegativePrompt(negativePrompt)
                .setSampler(settings)
                .addAllModalities(modalities)
                .setEnvelopeSource(source)
                .setEnvelopePreset(envelopePreset)
                .setPack(pack)
                .setSubmittedAtMs(System.currentTimeMillis())
                .build();
    }
}
