package io.foleystream.cli;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.foleystream.dsp.Channels;
import io.foleystream.dsp.KaldiFbank;
import io.foleystream.dsp.LogMelSpectrogram;
import io.foleystream.dsp.Resampler;
import io.foleystream.media.DecodeListener;
import io.foleystream.media.DecodeSpec;
import io.foleystream.media.MediaException;
import io.foleystream.media.MediaLimits;
import io.foleystream.media.StreamingDecoder;
import io.foleystream.media.UploadSpool;
import io.foleystream.media.WavFile;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code foley fbank}: the GRAM audio tower's log-mel fbank of a file, before normalisation, as CSV. */
@Command(name = "fbank",
        description = {
            "Print the Kaldi log-mel fbank of FILE's audio as GRAM computes it for BEATs (16 kHz mono, 25 ms "
                    + "frames every 10 ms, torchaudio.compliance.kaldi.fbank defaults), before normalisation.",
            "CSV: a header row mel_0,...,mel_<N-1>, then one row per frame; audio shorter than 25 ms gives the "
                    + "header only."},
        footer = "FILE is a video with an audio track (decoded through the safe media path) or a 16-bit PCM WAV "
                + "(downmixed to mono and, at another rate, resampled to 16 kHz).")
final class FbankCommand implements Callable<Integer> {

    @Parameters(paramLabel = "FILE", description = "video file or 16-bit PCM WAV")
    Path file;

    @Option(names = "--mel-bins", paramLabel = "N", defaultValue = "128",
            description = "mel bins, at least 4 (default: ${DEFAULT-VALUE}; GRAM's packs use 128 or 64)")
    int melBins;

    @Option(names = "--out", paramLabel = "F", description = "write the CSV to F instead of standard output")
    Path out;

    @Override
    public Integer call() throws IOException {
        if (melBins < 4) {
            throw new Foley.CliException(Foley.BAD_INPUT, "--mel-bins must be at least 4, got " + melBins);
        }
        if (!Files.isRegularFile(file)) {
            throw new Foley.CliException(Foley.BAD_INPUT, "no such file: " + file);
        }
        LogMelSpectrogram fbank = new KaldiFbank(melBins).compute(mono16k());
        if (out == null) {
            Writer stdout = new BufferedWriter(new OutputStreamWriter(System.out, UTF_8));
            writeCsv(fbank, stdout);
            stdout.flush();
        } else {
            try (Writer writer = Files.newBufferedWriter(out, UTF_8)) {
                writeCsv(fbank, writer);
            }
        }
        return Foley.OK;
    }

    private float[] mono16k() throws IOException {
        try {
            return isWav() ? fromWav() : fromMedia();
        } catch (MediaException e) {
            if (e.kind() == MediaException.Kind.BAD_INPUT) {
                throw new Foley.CliException(Foley.BAD_INPUT, file.getFileName() + ": " + e.getMessage());
            }
            throw e;
        } catch (IllegalArgumentException | UncheckedIOException e) {
            throw new Foley.CliException(Foley.BAD_INPUT, file.getFileName() + ": " + e.getMessage());
        }
    }

    /** Sniffs the RIFF/WAVE header: the name's extension is the user's claim, the bytes are the truth. */
    private boolean isWav() throws IOException {
        byte[] head = new byte[12];
        try (InputStream in = Files.newInputStream(file)) {
            if (in.readNBytes(head, 0, head.length) < head.length) {
                return false;
            }
        }
        return new String(head, 0, 4, UTF_8).equals("RIFF") && new String(head, 8, 4, UTF_8).equals("WAVE");
    }

    /** Mono as librosa.load makes it (the mean of the channels), then resampled to 16 kHz. */
    private float[] fromWav() {
        WavFile.Audio audio = WavFile.read(file);
        float[] mono = Channels.monoMix(audio.samples(), audio.channels());
        return Resampler.resample(mono, audio.sampleRate(), KaldiFbank.SAMPLE_RATE);
    }

    private float[] fromMedia() {
        try (UploadSpool spool = UploadSpool.ofFile(file);
                StreamingDecoder decoder = StreamingDecoder.open(spool, MediaLimits.defaults(),
                        DecodeSpec.audioOnly(KaldiFbank.SAMPLE_RATE, 1))) {
            if (!decoder.info().hasAudio()) {
                throw MediaException.badInput("no audio track");
            }
            SampleCollector samples = new SampleCollector();
            decoder.decode(samples);
            return samples.all();
        }
    }

    private static void writeCsv(LogMelSpectrogram fbank, Writer writer) throws IOException {
        StringBuilder row = new StringBuilder();
        for (int m = 0; m < fbank.melBins(); m++) {
            row.append(m == 0 ? "" : ",").append("mel_").append(m);
        }
        writer.write(row.append('\n').toString());
        for (int f = 0; f < fbank.frames(); f++) {
            row.setLength(0);
            for (int m = 0; m < fbank.melBins(); m++) {
                // Float.toString is the shortest text that reads back as the same float.
                row.append(m == 0 ? "" : ",").append(fbank.get(f, m));
            }
            writer.write(row.append('\n').toString());
        }
    }

    /** Appends the decoder's mono 16 kHz runs into one growing array. */
    private static final class SampleCollector implements DecodeListener {
        private float[] samples = new float[16_000];
        private int size;

        @Override
        public void onAudio(float[] run, int channels, double startSeconds) {
            if (size + run.length > samples.length) {
                samples = Arrays.copyOf(samples, Math.max(2 * samples.length, size + run.length));
            }
            System.arraycopy(run, 0, samples, size, run.length);
            size += run.length;
        }

        float[] all() {
            return Arrays.copyOf(samples, size);
        }
    }
}
