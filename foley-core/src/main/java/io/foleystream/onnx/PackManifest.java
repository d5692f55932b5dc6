package io.foleystream.onnx;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * The contents of a pack's {@code pack.json} (pack contract v2, described in {@code models/README.md}).
 *
 * <p>Plain data: {@link ModelPack#load} is what checks it against the files and against the contract.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record PackManifest(
        String format,
        String name,
        String version,
        int sampleRate,
        int audioChannels,
        double windowSeconds,
        double overlapSeconds,
        Latent latent,
        Envelope envelope,
        Conditioning conditioning,
        Sampler sampler,
        Preprocessing preprocessing,
        Map<String, PackFile> files,
        Map<String, Variant> variants) {

    /** The contract this reader writes about; v3 is v2 plus {@code envelope.picture_coding}. */
    public static final String FORMAT = "foleystream-pack/3";
    /** The contracts this reader loads: a v2 pack reads as before, and a reader that knows only v2 refuses a v3 one. */
    public static final List<String> FORMATS = List.of("foleystream-pack/2", FORMAT);
    /** The variant every pack has: its {@code files} as exported. */
    public static final String FLOAT32_VARIANT = "fp32";

    public PackManifest {
        variants = variants == null ? Map.of() : Map.copyOf(variants);
    }

    // Unknown fields are tolerated so that a newer exporter can add fields without breaking older readers.
    private static final ObjectMapper MAPPER =
            new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    /** Reads a pack.json file; a file that is not valid JSON of this shape gives a {@link PackException}. */
    public static PackManifest read(Path packJson) {
        try {
            return MAPPER.readValue(packJson.toFile(), PackManifest.class);
        } catch (IOException e) {
            throw new PackException("pack.json: cannot read " + packJson + ": " + e.getMessage(), e);
        }
    }

    /** The envelope this pack's ControlNet was trained on, at the pack's sample rate. */
    public io.foleystream.envelope.EnvelopeSpec envelopeSpec() {
        return new io.foleystream.envelope.EnvelopeSpec(envelope.preset(), sampleRate, envelope.frameLength(),
                envelope.hopLength());
    }

    /**
     * The envelope a job gets: the preset it asks for at that preset's usual geometry, or the pack's own when it
     * asks for none (or for the pack's).
     *
     * @throws IllegalArgumentException for a preset no one knows
     */
    public io.foleystream.envelope.EnvelopeSpec envelopeSpec(String jobPreset) {
        return jobPreset == null || jobPreset.isEmpty() || jobPreset.equals(envelope.preset())
                ? envelopeSpec() : io.foleystream.envelope.EnvelopeSpec.defaults(jobPreset, sampleRate);
    }

    /** The channels the envelope is measured on: the pack's audio channels when per-channel, else one. */
    public int envelopeModelChannels() {
        return envelope.perChannel() ? audioChannels : 1;
    }

    /**
     * The file a component runs from under {@code variant}: the variant's own file when it lists the component, the
     * float32 file of {@code files} otherwise (a variant replaces only the models it lists).
     *
     * @throws PackException naming the variants the pack has, when it has no such variant
     */
    public PackFile fileFor(PackComponent component, String variant) {
        PackFile base = files.get(component.key());
        if (FLOAT32_VARIANT.equals(variant)) {
            return base;
        }
        Variant listed = variants.get(variant);
        if (listed == null) {
            throw new PackException("pack.json: pack " + id() + " has no variant '" + variant + "'; it has "
                    + variantNames() + " (tools/export/precision_variants.py adds them)");
        }
        return listed.files().getOrDefault(component.key(), base);
    }

    /** fp32 and the variants pack.json lists, in name order. */
    public SortedSet<String> variantNames() {
        SortedSet<String> names = new TreeSet<>(variants.keySet());
        names.add(FLOAT32_VARIANT);
        return names;
    }

    /** "name@version", the identifier that outputs record (e.g. on every audio window). */
    public String id() {
        return name + "@" + version;
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Latent(int channels, int downsampling) {}

    /**
     * The envelope the ControlNet was trained on and how it reached it.
     *
     * @param channels      {@code mono}: one envelope (of the channel mean) on every audio channel; {@code per-channel}:
     *                      one envelope per audio channel, mono audio duplicated and extra channels dropped
     *                      (stable-audio-tools' {@code Stereo()})
     * @param normalisation {@code none}, or {@code audio-peak}: divided by the peak of the window's own audio, as
     *                      training peak-normalises each chunk before measuring it
     * @param absentValue   what the ControlNet saw for "no envelope" (Stable-V2A's envelope dropout fills -1)
     * @param encoding      {@code mean}: the VAE posterior's mean; {@code sample}: mean + std·z with z from the job's
     *                      seed, as Stable-V2A's pretransform encodes
     * @param picturePeak   under {@code audio-peak}: the value an envelope read from the picture peaks at in each
     *                      window (it has no audio peak, and its units are the picture's, not the sound's); the
     *                      median window peak of the training envelopes, {@link #DEFAULT_PICTURE_PEAK} when absent
     * @param pictureCoding {@code peak} (when absent): an envelope read from the picture reaches the ControlNet
     *                      scaled to the picture peak; {@code absent-offset}: scaled so, then added to the absent value,
     *                      for a ControlNet trained to tell such envelopes (timing, not timbre) from a sound's
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Envelope(String preset, int frameLength, int hopLength, String channels, String normalisation,
                           Double absentValue, String encoding, Double picturePeak, String pictureCoding) {

        /**
         * The RMS peak (512-sample frames) of a peak-normalised strike: 0.34 is the median window peak of
         * Foley-mini's world (0.24–0.42 from its 10th to 90th percentile); a ringing partial alone reaches 1/√2.
         */
        public static final double DEFAULT_PICTURE_PEAK = 0.34;

        public static final String MONO = "mono";
        public static final String PER_CHANNEL = "per-channel";
        public static final String NO_NORMALISATION = "none";
        public static final String AUDIO_PEAK = "audio-peak";
        public static final String MEAN = "mean";
        public static final String SAMPLE = "sample";
        public static final String PICTURE_PEAK = "peak";
        public static final String PICTURE_ABSENT_OFFSET = "absent-offset";

        /** Refuses a value outside the contract, naming the field. */
        void validate() {
            oneOf("envelope.preset", preset, io.foleystream.envelope.EnvelopeSpec.PRESETS.toArray(String[]::new));
            if (frameLength <= 0 || hopLength <= 0) {
                throw new PackException("pack.json: envelope.frame_length and hop_length must be positive, got "
                        + frameLength + " and " + hopLength);
            }
            oneOf("envelope.channels", channels, MONO, PER_CHANNEL);
            // only Stable-V2A's envelope is measured per channel; the librosa presets are defined on the mean
            if (perChannel() && !io.foleystream.envelope.EnvelopeSpec.STABLE_V2A.equals(preset)) {
                throw new PackException("pack.json: envelope.channels 'per-channel' needs the stable-v2a preset, not '"
                        + preset + "'");
            }
            oneOf("envelope.normalisation", normalisation, NO_NORMALISATION, AUDIO_PEAK);
            oneOf("envelope.encoding", encoding, MEAN, SAMPLE);
            if (absentValue == null || !Double.isFinite(absentValue)) {
                throw new PackException("pack.json: envelope.absent_value must be a finite number, got " + absentValue);
            }
            if (picturePeak != null && !(picturePeak > 0 && picturePeak <= 1)) {
                throw new PackException("pack.json: envelope.picture_peak must be in (0, 1], got " + picturePeak);
            }
            if (pictureCoding != null) {
                oneOf("envelope.picture_coding", pictureCoding, PICTURE_PEAK, PICTURE_ABSENT_OFFSET);
            }
        }

        public boolean perChannel() {
            return PER_CHANNEL.equals(channels);
        }

        /** The window peak of an envelope read from the picture, under {@code audio-peak} normalisation. */
        public double picturePeakOrDefault() {
            return picturePeak != null ? picturePeak : DEFAULT_PICTURE_PEAK;
        }

        /** What an envelope read from the picture is added to after scaling: the absent value or nothing. */
        public double pictureOffset() {
            return PICTURE_ABSENT_OFFSET.equals(pictureCoding) ? absentValue : 0;
        }
    }

    /**
     * @param seconds how the DiT's seconds_start / seconds_total were set in training: {@code chunk} (0 and the
     *                window's length, as Stable-V2A trains on 10 s chunks) or {@code video} (the window's start and
     *                the whole video's length)
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Conditioning(int gramDim, int tokenDim, List<String> modalities, String seconds) {

        public static final String SECONDS_CHUNK = "chunk";
        public static final String SECONDS_VIDEO = "video";

        void validate() {
            oneOf("conditioning.seconds", seconds, SECONDS_CHUNK, SECONDS_VIDEO);
            if (modalities == null || modalities.isEmpty() || modalities.stream().distinct().count() != modalities.size()) {
                throw new PackException("pack.json: conditioning.modalities must name each modality once, got "
                        + modalities);
            }
            for (String modality : modalities) {
                oneOf("conditioning.modalities entry", modality, "video", "text", "audio");
            }
        }
    }

    /** Refuses a manifest whose conventions the generator could not follow. */
    void validate() {
        if (envelope == null || conditioning == null) {
            throw new PackException("pack.json: the envelope and conditioning sections are required");
        }
        if (audioChannels != 1 && audioChannels != 2) {
            throw new PackException("pack.json: audio_channels must be 1 or 2, got " + audioChannels);
        }
        envelope.validate();
        conditioning.validate();
        // a v2 reader would ignore the field and feed picture envelopes uncoded: it belongs to v3 packs only
        if (envelope.pictureCoding() != null && !FORMAT.equals(format)) {
            throw new PackException("pack.json: envelope.picture_coding needs format '" + FORMAT + "', the pack says '"
                    + format + "'");
        }
    }

    private static void oneOf(String field, String value, String... allowed) {
        if (!List.of(allowed).contains(value)) {
            throw new PackException("pack.json: " + field + " is " + (value == null ? "missing" : "'" + value + "'")
                    + ", expected one of " + String.join(", ", allowed));
        }
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Sampler(String type, int steps, double cfgScale, double sigmaMin, double sigmaMax, double rho) {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Preprocessing(VideoPreprocessing video, TextPreprocessing text, AudioPreprocessing audio) {}

    /** Frames sampled per window, square side in pixels, resize mode ("squash") and per-channel RGB mean/std. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record VideoPreprocessing(int framesPerWindow, int size, String resize, float[] mean, float[] std) {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record TextPreprocessing(int maxLength) {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record AudioPreprocessing(
            int sampleRate, int melBins, int targetFrames, double normMean, double normStd) {}

    /**
     * A precision variant: other files for some components, with the same tensors as the float32 ones.
     *
     * @param precision what the files compute in, e.g. {@code float16} or {@code int8-dynamic}
     * @param provider  the execution provider the variant is made for ({@code cuda}, {@code cpu}); informational
     * @param files     by component key; each entry's {@code source_sha256} names the float32 file it was made from
     */
    public record Variant(String precision, String provider, Map<String, PackFile> files) {
        public Variant {
            files = files == null ? Map.of() : Map.copyOf(files);
        }
    }

    /**
     * One file of the pack; inputs and outputs are present for ONNX files only, external data only for an ONNX file
     * whose weights exceed protobuf's 2 GiB limit and sit beside it, the source sha256 only for a variant's file.
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record PackFile(String path, String sha256, List<TensorSpec> inputs, List<TensorSpec> outputs,
                           ExternalData externalData, String sourceSha256) {
        public PackFile {
            inputs = inputs == null ? List.of() : List.copyOf(inputs);
            outputs = outputs == null ? List.of() : List.copyOf(outputs);
        }
    }

    /** The weights file an ONNX file refers to, checked like any other pack file. */
    public record ExternalData(String path, String sha256) {
    }

    /** A tensor's name, dtype ("float32", "int64", ...) and shape, where -1 marks a dynamic axis. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record TensorSpec(String name, String dtype, long[] shape) {
        public String shapeText() {
            StringBuilder text = new StringBuilder("[");
            for (int i = 0; i < shape.length; i++) {
                text.append(i == 0 ? "" : ",").append(shape[i]);
            }
            return text.append(']').toString();
        }
    }
}
