package io.foleystream.cli;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.foleystream.dsp.Channels;
import io.foleystream.dsp.KaldiFbank;
import io.foleystream.dsp.LogMelSpectrogram;
import io.foleystream.media.DecodeListener;
import io.foleystream.media.MediaException;
import io.foleystream.media.MediaLimits;
import io.foleystream.media.StreamingDecoder;
import io.foleystream.media.UploadSpool;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
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
        footer = "FILE is a sound file (WAV of any sample format, FLAC, M4A, Ogg, MP3) or a video with an audio "
                + "track, decoded through the same safe media path as the services, resampled to 16 kHz and mixed "
                + "to mono as the mean of its channels.")
final class FbankCommand implements Callable<Integer> {

    @Parameters(paramLabel = "FILE", description = "sound or video file")
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

    /** The file's sound as the services decode it, resampled to 16 kHz, then the mean of its channels. */
    private float[] mono16k() {
        try (UploadSpool spool = UploadSpool.ofFile(file);
                StreamingDecoder decoder = StreamingDecoder.openSound(spool, MediaLimits.defaults(),
                        KaldiFbank.SAMPLE_RATE)) {
            SampleCollector samples = new SampleCollector();
            decoder.decode(samples);
            return samples.all();
        } catch (MediaException e) {
            if (e.kind() == MediaException.Kind.BAD_INPUT) {
                throw new Foley.CliException(Foley.BAD_INPUT, file.getFileName() + ": " + e.getMessage());
            }
            throw e;
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

    /** Mixes the decoder's 16 kHz runs to mono and appends them into one growing array. */
    private static final class SampleCollector implements DecodeListener {
        private float[] samples = new float[16_000];
        private int size;

        @Override
        public void onAudio(float[] interleaved, int channels, double startSeconds) {
            float[] run = Channels.monoMix(interleaved, channels);
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
