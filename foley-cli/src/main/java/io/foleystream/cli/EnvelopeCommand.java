package io.foleystream.cli;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.foleystream.envelope.EnvelopeSpec;
import io.foleystream.envelope.UploadEnvelope;
import io.foleystream.media.MediaException;
import io.foleystream.media.MediaLimits;
import io.foleystream.media.UploadSpool;
import io.foleystream.proto.v1.EnvelopeSource;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code foley envelope}: an upload's envelope as CSV, measured exactly as envelope-service measures windows. */
@Command(name = "envelope",
        description = {
            "Print the temporal envelope of FILE as CSV: a header time_s,value, then one row per envelope frame "
                    + "at the time of the frame's centre (for stable-v2a, one row per hop).",
            "Presets: librosa-rms (librosa.feature.rms, default 2048/512), stable-v2a (Stable-V2A's causal "
                    + "10000-sample moving RMS and 2000-sample smoothing, default hop 512), t-foley (RMS 512/128 "
                    + "and a zero-phase elliptic low-pass).",
            "librosa-rms and t-foley measure the mean of all audio channels (librosa.to_mono); stable-v2a measures "
                    + "each channel of the model's layout (--model-channels; stable-audio-tools' Stereo() keeps the "
                    + "first two channels and duplicates mono), one column per channel: time_s,value_0,value_1."})
final class EnvelopeCommand implements Callable<Integer> {

    enum Source { auto, audio, video }

    @Parameters(paramLabel = "FILE", description = "video file")
    Path file;

    @Option(names = "--preset", paramLabel = "NAME", defaultValue = EnvelopeSpec.LIBROSA_RMS,
            description = "librosa-rms, stable-v2a or t-foley (default: ${DEFAULT-VALUE})")
    String preset;

    @Option(names = "--sample-rate", paramLabel = "SR", defaultValue = "44100",
            description = "rate the audio is resampled to before measuring (default: ${DEFAULT-VALUE})")
    int sampleRate;

    @Option(names = "--frame-length", paramLabel = "N",
            description = "RMS frame (librosa-rms, t-foley) or causal RMS window (stable-v2a), in samples")
    Integer frameLength;

    @Option(names = "--hop-length", paramLabel = "N", description = "samples between envelope values")
    Integer hopLength;

    @Option(names = "--model-channels", paramLabel = "N", defaultValue = "2",
            description = "audio channels of the model the envelope is for, 1 or 2; only stable-v2a measures per "
                    + "channel (default: ${DEFAULT-VALUE}, Stable Audio Open's stereo)")
    int modelChannels;

    @Option(names = "--source", paramLabel = "SOURCE", defaultValue = "auto",
            description = "auto (the audio if there is any, else the picture), audio or video (default: "
                    + "${DEFAULT-VALUE})")
    Source source;

    @Option(names = "--out", paramLabel = "F", description = "write the CSV to F instead of standard output")
    Path out;

    @Override
    public Integer call() throws IOException {
        EnvelopeSpec spec = spec();
        if (!Files.isRegularFile(file)) {
            throw new Foley.CliException(Foley.BAD_INPUT, "no such file: " + file);
        }
        UploadEnvelope.Measured envelope;
        try (UploadSpool spool = UploadSpool.ofFile(file)) {
            envelope = UploadEnvelope.measure(spool, MediaLimits.defaults(), spec, modelChannels, envelopeSource());
        } catch (MediaException e) {
            throw asCliError(file, e);
        }
        if (out == null) {
            Writer stdout = new BufferedWriter(new OutputStreamWriter(System.out, UTF_8));
            writeCsv(envelope, stdout);
            stdout.flush();
        } else {
            try (Writer writer = Files.newBufferedWriter(out, UTF_8)) {
                writeCsv(envelope, writer);
            }
        }
        return Foley.OK;
    }

    /** A bad upload is the user's problem (exit 2, one line); anything else is ours. */
    static RuntimeException asCliError(Path file, MediaException e) {
        return e.kind() == MediaException.Kind.BAD_INPUT
                ? new Foley.CliException(Foley.BAD_INPUT, file.getFileName() + ": " + e.getMessage())
                : e;
    }

    private EnvelopeSpec spec() {
        if (modelChannels != 1 && modelChannels != 2) {
            throw new Foley.CliException(Foley.BAD_INPUT, "--model-channels must be 1 or 2, got " + modelChannels);
        }
        if (!EnvelopeSpec.PRESETS.contains(preset)) {
            throw new Foley.CliException(Foley.BAD_INPUT, "unknown --preset '" + preset + "' (choose from "
                    + String.join(", ", EnvelopeSpec.PRESETS) + ")");
        }
        try {
            EnvelopeSpec defaults = EnvelopeSpec.defaults(preset, sampleRate);
            int frame = frameLength == null ? defaults.frameLength() : frameLength;
            int hop = hopLength == null ? defaults.hopLength() : hopLength;
            if (!preset.equals(EnvelopeSpec.STABLE_V2A) && frame % 2 != 0) {
                throw new IllegalArgumentException("--frame-length must be even for " + preset + ", got " + frame);
            }
            return new EnvelopeSpec(preset, sampleRate, frame, hop);
        } catch (IllegalArgumentException e) {
            throw new Foley.CliException(Foley.BAD_INPUT, e.getMessage());
        }
    }

    private EnvelopeSource envelopeSource() {
        return switch (source) {
            case audio -> EnvelopeSource.ENVELOPE_SOURCE_AUDIO;
            case video -> EnvelopeSource.ENVELOPE_SOURCE_VIDEO;
            case auto -> EnvelopeSource.ENVELOPE_SOURCE_AUTO;
        };
    }

    /** One column per envelope channel: "value" alone, or "value_0", "value_1", ... */
    private static void writeCsv(UploadEnvelope.Measured envelope, Writer writer) throws IOException {
        float[][] channels = envelope.channels();
        StringBuilder row = new StringBuilder("time_s");
        for (int c = 0; c < channels.length; c++) {
            row.append(channels.length == 1 ? ",value" : ",value_" + c);
        }
        writer.write(row.append('\n').toString());
        for (int i = 0; i < channels[0].length; i++) {
            row.setLength(0);
            row.append(String.format(Locale.ROOT, "%.6f", i / envelope.rate()));
            for (float[] channel : channels) {
                row.append(',').append(channel[i]);
            }
            writer.write(row.append('\n').toString());
        }
    }
}
