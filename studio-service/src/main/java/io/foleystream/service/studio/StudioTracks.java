package io.foleystream.service.studio;

import io.foleystream.assembly.TrackAssembler;
import io.foleystream.assembly.TrackSink;
import io.foleystream.dsp.Channels;
import io.foleystream.dsp.Resampler;
import io.foleystream.envelope.EnvelopeSpec;
import io.foleystream.eval.JobEvaluation;
import io.foleystream.eval.OnsetDetector;
import io.foleystream.eval.OnsetMetrics;
import io.foleystream.kafka.JobAudioReader;
import io.foleystream.kafka.JobPartitionReader;
import io.foleystream.kafka.KafkaSecurity;
import io.foleystream.kafka.Topics;
import io.foleystream.media.Remuxer;
import io.foleystream.media.WavFile;
import io.foleystream.onnx.PackManifest;
import io.foleystream.onnx.PackRegistry;
import io.foleystream.proto.v1.Window;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * A job's sound as a client hears it, read back from Kafka: the track assembled by the same {@link TrackAssembler}
 * as every other client from the job's {@code foley.audio} windows (what is final so far while the job runs, kept
 * on disk once complete), the upload remuxed with it as an MP4, and the target and generated envelopes as
 * metrics-service compares them ({@link JobEvaluation}), with the generated track's onsets.
 */
@ApplicationScoped
public class StudioTracks {

    /** The envelopes of a completed job for the page's plot, at most {@link #PLOT_POINTS} points each. */
    public record EnvelopePlot(double secondsPerPoint, float[] target, float[] generated, double[] generatedOnsetsS) {
    }

    /** A track file: the complete track (kept), or what is assembled so far (a temporary file the caller deletes). */
    public record Track(Path file, boolean complete) {
    }

    static final int PLOT_POINTS = 1200;
    /** Onsets are found on the whole track at 22.05 kHz in memory: 88 KB a second, so only up to this long. */
    private static final double MAX_ONSET_SECONDS = 600;

    private final JobFiles files;
    private final KafkaSecurity security;
    private final String bootstrapServers;
    private final PackRegistry<PackManifest> packs;
    private final double maxMp4Seconds;

    StudioTracks(JobFiles files, KafkaSecurity security,
                 @ConfigProperty(name = "kafka.bootstrap.servers") String bootstrapServers,
                 @ConfigProperty(name = "foley.pack.dirs") List<Path> packDirs,
                 @ConfigProperty(name = "foley.studio.max-mp4-seconds") double maxMp4Seconds) {
        this.files = files;
        this.security = security;
        this.bootstrapServers = bootstrapServers;
        this.packs = PackRegistry.manifests(packDirs);
        this.maxMp4Seconds = maxMp4Seconds;
    }

    /** The job's track as far as it is final; empty while no window has come. */
    public Optional<Track> track(String jobId) throws IOException {
        Path complete = files.completeTrack(jobId);
        if (Files.exists(complete)) {
            return Optional.of(new Track(complete, true));
        }
        Files.createDirectories(files.folder(jobId));
        Path out = Files.createTempFile(files.folder(jobId), "track-", ".wav");
        WavSoFar sink = new WavSoFar(out);
        TrackAssembler track = new TrackAssembler(sink);
        try (JobAudioReader audio = JobAudioReader.from(bootstrapServers, security, jobId, audioOffset(jobId))) {
            do {
                audio.poll(Duration.ofMillis(200)).forEach(track::add);
            } while (!track.isComplete() && !audio.caughtUp());
        } finally {
            sink.close();
        }
        if (!sink.begun()) {
            Files.delete(out);
            return Optional.empty();
        }
        if (track.isComplete()) {
            Files.move(out, complete, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return Optional.of(new Track(complete, true));
        }
        return Optional.of(new Track(out, false));
    }

    /**
     * The upload's video with the complete track as its sound (the video stream copied packet for packet, as
     * {@code foley run --out} writes it), kept beside the track; empty while the track is not complete. The remuxer
     * takes the track whole, so only videos up to {@code foley.studio.max-mp4-seconds} get one here, one at a time.
     *
     * @throws IllegalStateException for a job whose upload is not kept or whose video is too long
     */
    public synchronized Optional<Path> mp4(String jobId) throws IOException {
        Path mp4 = files.folder(jobId).resolve("foley.mp4");
        if (Files.exists(mp4)) {
            return Optional.of(mp4);
        }
        if (!Files.exists(files.upload(jobId))) {
            throw new IllegalStateException("the upload of job " + jobId + " is not kept here");
        }
        Optional<Track> track = track(jobId);
        if (track.isEmpty() || !track.get().complete()) {
            return Optional.empty();
        }
        WavFile.Audio audio = WavFile.read(track.get().file());
        if (audio.durationSeconds() > maxMp4Seconds) {
            throw new IllegalStateException("an MP4 is made here for videos up to " + maxMp4Seconds
                    + " s (foley.studio.max-mp4-seconds); this one has " + audio.durationSeconds() + " s");
        }
        Path partial = Files.createTempFile(files.folder(jobId), "foley-", ".mp4");
        Remuxer.withNewAudio(files.upload(jobId), audio.samples(), audio.sampleRate(), audio.channels(), partial);
        Files.move(partial, mp4, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return Optional.of(mp4);
    }

    /** The envelopes of a completed job; empty while it is not complete. */
    public Optional<EnvelopePlot> envelopes(String jobId) throws IOException {
        JobEvaluation job = new JobEvaluation(this::envelopeSpec);
        long windowsOffset = files.origin(jobId).map(JobFiles.Origin::windowsOffset).orElse(0L);
        try (JobPartitionReader<Window> windows = new JobPartitionReader<>(bootstrapServers, security, Topics.WINDOWS,
                Topics.WINDOWS_MAX_MESSAGE_BYTES, jobId, windowsOffset, Window::parseFrom)) {
            do {
                windows.poll(Duration.ofMillis(200)).forEach(job::addWindow);
            } while (!windows.caughtUp());
        }
        try (JobAudioReader audio = JobAudioReader.from(bootstrapServers, security, jobId, audioOffset(jobId))) {
            do {
                audio.poll(Duration.ofMillis(200)).forEach(job::addAudio);
            } while (!audio.caughtUp());
        }
        if (!job.isComplete()) {
            return Optional.empty();
        }
        JobEvaluation.Envelopes envelopes = job.envelopes();
        int step = Math.max(1, (int) Math.ceil(envelopes.target().length / (double) PLOT_POINTS));
        return Optional.of(new EnvelopePlot(step / envelopes.rateHz(), peaks(envelopes.target(), step),
                peaks(envelopes.generated(), step), onsets(jobId, job.durationSeconds())));
    }

    private long audioOffset(String jobId) {
        return files.origin(jobId).map(JobFiles.Origin::audioOffset).orElse(0L);
    }

    /** The envelope the job's windows were measured with: the preset it asked for, else its pack's. */
    private EnvelopeSpec envelopeSpec(Window window) {
        return packs.resolve(window.getRequest().getPack()).envelopeSpec(window.getRequest().getEnvelopePreset());
    }

    /** Onset times of the complete track as the onset metrics detect them; none for a track too long to hold. */
    private double[] onsets(String jobId, double durationSeconds) throws IOException {
        if (durationSeconds > MAX_ONSET_SECONDS) {
            return new double[0];
        }
        Optional<Track> track = track(jobId);
        if (track.isEmpty() || !track.get().complete()) {
            return new double[0];
        }
        WavFile.Audio audio = WavFile.read(track.get().file());
        float[] mono = Resampler.resample(Channels.monoMix(audio.samples(), audio.channels()), audio.sampleRate(),
                OnsetDetector.SAMPLE_RATE);
        return java.util.Arrays.stream(OnsetDetector.detectSamples(mono, OnsetMetrics.DETECTION_DELTA))
                .mapToDouble(sample -> sample / (double) OnsetDetector.SAMPLE_RATE).toArray();
    }

    /** The largest value of each run of {@code step} frames: short peaks stay visible however long the video. */
    static float[] peaks(float[] values, int step) {
        float[] peaks = new float[(values.length + step - 1) / step];
        for (int i = 0; i < values.length; i++) {
            peaks[i / step] = Math.max(peaks[i / step], values[i]);
        }
        return peaks;
    }

    /** A WAV file of the frames the assembler has finished, closed (with a valid header) whenever asked. */
    private static final class WavSoFar implements TrackSink {
        private final Path out;
        private WavFile.Writer writer;

        WavSoFar(Path out) {
            this.out = out;
        }

        @Override
        public void begin(int sampleRate, int channels) {
            writer = WavFile.Writer.create(out, sampleRate, channels, 16);
        }

        @Override
        public void write(float[] interleaved) {
            writer.write(interleaved, 0, interleaved.length);
        }

        @Override
        public void end() {
            close();
        }

        boolean begun() {
            return writer != null;
        }

        void close() {
            if (writer != null) {
                writer.close();
            }
        }
    }
}
