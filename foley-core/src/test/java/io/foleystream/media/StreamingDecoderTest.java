package io.foleystream.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.foleystream.dsp.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class StreamingDecoderTest {

    /** Only a guard against hangs; every case here ends far sooner. */
    private static final Duration HANG_GUARD = Duration.ofSeconds(20);
    private static final MediaLimits LIMITS = MediaLimits.defaults();

    /** The natives load once per JVM, slowly on a cold machine: not part of the time a bad upload may take. */
    @BeforeAll
    static void loadFfmpeg() {
        Ffmpeg.init();
    }

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"mp4", "mkv", "ts"})
    void framesStartWhileTheUploadIsStillArriving(String container) throws Exception {
        ClipSpec spec = ClipSpec.sample().withContainer(container);
        Path clip = dir.resolve("clip." + container);
        ClipTruth truth = SyntheticClip.write(clip, spec);
        byte[] bytes = Files.readAllBytes(clip);
        int half = bytes.length / 2;
        CountDownLatch firstFrame = new CountDownLatch(1);

        try (UploadSpool spool = new UploadSpool(dir, LIMITS.maxBytes())) {
            // The second half is held back until a frame has come out, so this only passes if decoding is progressive.
            Thread uploader = uploadInChunks(spool, bytes, half, firstFrame);
            RecordingListener recorded = new RecordingListener(spool, firstFrame::countDown);
            assertTimeoutPreemptively(HANG_GUARD, () -> {
                try (StreamingDecoder decoder = StreamingDecoder.open(spool, LIMITS, DecodeSpec.timingOnly())) {
                    decoder.decode(recorded);
                }
            });
            uploader.join();

            assertThat(recorded.spoolBytesAtFirstFrame).isBetween(1L, (long) half);
            double frame = 1 / spec.frameRate();
            assertThat(recorded.frameTimes).hasSize(truth.frameCount());
            assertThat(recorded.videoEnd).isCloseTo(truth.videoDurationSeconds(), within(frame));
        }
    }

    @Test
    void aMoovAtEndMp4DecodesOnceItsTailArrives() throws Exception {
        Path clip = dir.resolve("moov-at-end.mp4");
        ClipTruth truth = SyntheticClip.write(clip, ClipSpec.sample().withFaststart(false));
        byte[] bytes = Files.readAllBytes(clip);

        try (UploadSpool spool = new UploadSpool(dir, LIMITS.maxBytes())) {
            Thread uploader = uploadInChunks(spool, bytes, bytes.length, new CountDownLatch(0));
            RecordingListener recorded = new RecordingListener(spool);
            assertTimeoutPreemptively(HANG_GUARD, () -> {
                try (StreamingDecoder decoder = StreamingDecoder.open(spool, LIMITS, DecodeSpec.timingOnly())) {
                    decoder.decode(recorded);
                }
            });
            uploader.join();

            assertThat(recorded.spoolBytesAtFirstFrame).isEqualTo(bytes.length);
            assertThat(recorded.frameTimes).hasSize(truth.frameCount());
            assertThat(recorded.videoEnd).isCloseTo(truth.videoDurationSeconds(), within(1 / 24.0));
        }
    }

    static Stream<Arguments> frameRates() {
        return Stream.of(
                Arguments.of("mp4", 30000, 1001),
                Arguments.of("mkv", 30000, 1001),
                Arguments.of("ts", 30000, 1001),
                Arguments.of("mp4", 24, 1),
                Arguments.of("avi", 25, 1),
                Arguments.of("mp4", 60, 1),
                Arguments.of("mkv", 24000, 1001));
    }

    @ParameterizedTest(name = "{0} at {1}/{2} fps")
    @MethodSource("frameRates")
    void theVideoEndIsExactForAnyFrameRate(String container, int fpsNumerator, int fpsDenominator) {
        ClipSpec spec = ClipSpec.sample().withContainer(container).withFrameRate(fpsNumerator, fpsDenominator)
                .withDuration(4.3).withoutAudio();
        Path clip = dir.resolve("clip." + container);
        ClipTruth truth = SyntheticClip.write(clip, spec);

        RecordingListener recorded = decodeFile(clip, DecodeSpec.timingOnly());

        double frame = 1 / spec.frameRate();
        assertThat(recorded.frameTimes).hasSize(truth.frameCount());
        assertThat(recorded.videoEnd).isCloseTo(truth.videoDurationSeconds(), within(frame));
        assertThat(recorded.frameTimes.get(truth.frameCount() / 2))
                .isCloseTo(truth.frameCount() / 2 * frame, within(frame / 2));
    }

    @Test
    void audioIsResampledKeepingItsChannelsAndLastsAsLongAsTheVideo() {
        Path clip = dir.resolve("clip.mp4");
        ClipTruth truth = SyntheticClip.write(clip, ClipSpec.sample().withAudio("aac", 48000, 2));

        RecordingListener recorded = decodeFile(clip, DecodeSpec.audioOnly(44100));

        assertThat(recorded.channels).isEqualTo(2);
        assertThat(recorded.firstAudioStart).isCloseTo(0, within(1e-9));
        assertThat(recorded.audioSamplesPerChannel)
                .isCloseTo(Math.round(truth.videoDurationSeconds() * 44100), within(Math.round(44100 / 24.0)));
        float[] left = Channels.channel(recorded.audio(), 2, 0);
        assertThat(loudestInstant(left, 44100)).isCloseTo(nearestImpact(truth, loudestInstant(left, 44100)),
                within(0.03));
    }

    @Test
    void everyChannelArrivesUnmixed() {
        // FFmpeg's downmix would blend FC and the surrounds into the front pair; each channel must stay its own
        for (int channels : new int[] {1, 2, 6}) {
            Path clip = dir.resolve("clip" + channels + ".mkv");
            SyntheticClip.write(clip, ClipSpec.sample().withContainer("mkv").withDuration(1.0)
                    .withAudio("pcm_s16le", 44100, channels));

            RecordingListener recorded = decodeFile(clip, DecodeSpec.audioOnly(44100));

            assertThat(recorded.channels).isEqualTo(channels);
            float[] audio = recorded.audio();
            float[] first = Channels.channel(audio, channels, 0);
            for (int c = 1; c < channels; c++) {
                float[] other = Channels.channel(audio, channels, c);
                for (int i = 0; i < first.length; i++) {
                    assertThat((double) other[i]).as("channel %d of %d, sample %d", c, channels, i)
                            .isCloseTo(first[i] * SyntheticClip.channelGain(c), within(1.5 / 32768));
                }
            }
        }
    }

    @Test
    void framesAreSquashedToTheRequestedSizeAsRgb() {
        Path clip = dir.resolve("clip.mkv");
        SyntheticClip.write(clip, ClipSpec.sample().withContainer("mkv").withDuration(1.0));

        RecordingListener recorded = decodeFile(clip, DecodeSpec.of(16000, 96, 64));

        assertThat(recorded.frames).hasSize(24).allSatisfy(rgb -> assertThat(rgb).hasSize(96 * 64 * 3));
        byte[] first = recorded.frames.get(0);
        int surfaceRed = first[(60 * 96 + 48) * 3] & 0xff;
        int backgroundRed = first[(5 * 96 + 90) * 3] & 0xff;
        assertThat(surfaceRed).isGreaterThan(backgroundRed + 60); // the wooden surface below a dark background
    }

    @Test
    void framesCanComeAtTheirOwnUprightSizeAndOnlyALargerPictureIsScaledDown() {
        Path clip = dir.resolve("clip.mp4");
        // stored sideways, shown 96 wide and 160 high
        SyntheticClip.write(clip, ClipSpec.sample().withSize(96, 160).withRotation(90).withDuration(0.5).withoutAudio());

        RecordingListener own = decodeFile(clip, DecodeSpec.withSourceFrames(0, 96 * 160));
        RecordingListener capped = decodeFile(clip, DecodeSpec.withSourceFrames(0, 96 * 160 / 4));
        RecordingListener fixed = decodeFile(clip, DecodeSpec.of(0, 96, 160));

        assertThat(own.frameSizes).hasSize(12).allSatisfy(size -> assertThat(size).containsExactly(96, 160));
        assertThat(capped.frameSizes).hasSize(12).allSatisfy(size -> assertThat(size).containsExactly(48, 80));
        // at its own size a picture is only converted to RGB, exactly as when that size is asked for
        assertThat(own.frames.get(5)).containsExactly(fixed.frames.get(5));
        byte[] first = own.frames.get(0);
        assertThat(first[(5 * 96 + 5) * 3] & 0xff).as("the white mark, top-left when upright").isGreaterThan(200);
        assertThat(first[(5 * 96 + 90) * 3] & 0xff).as("the dark background, top-right").isLessThan(180);
    }

    @Test
    void infoDescribesTheStreams() throws Exception {
        Path clip = dir.resolve("clip.mp4");
        SyntheticClip.write(clip, ClipSpec.sample());
        try (UploadSpool spool = UploadSpool.ofFile(clip);
             StreamingDecoder decoder = StreamingDecoder.open(spool, LIMITS, DecodeSpec.timingOnly())) {
            MediaInfo info = decoder.info();
            assertThat(info.container()).contains("mp4");
            assertThat(info.videoCodec()).isEqualTo("h264");
            assertThat(info.width()).isEqualTo(320);
            assertThat(info.height()).isEqualTo(240);
            assertThat(info.frameRate()).isCloseTo(24, within(1e-9));
            assertThat(info.durationSeconds()).isCloseTo(6.0, within(1e-6));
            assertThat(info.hasAudio()).isTrue();
            assertThat(info.audioCodec()).isEqualTo("aac");
            assertThat(info.audioSampleRate()).isEqualTo(44100);
            assertThat(info.audioChannels()).isEqualTo(2);
            assertThat(info.rotationDegrees()).isZero();
        }
    }

    static Stream<Arguments> badUploads() throws Exception {
        byte[] random = new byte[64 * 1024];
        new Random(3).nextBytes(random);
        return Stream.of(
                Arguments.of("empty", new byte[0], "empty upload"),
                Arguments.of("random bytes", random, "not a supported video container"),
                Arguments.of("text", "Hello, this is not a video.\n".repeat(200).getBytes(StandardCharsets.UTF_8),
                        "not a supported video container"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badUploads")
    void badUploadsFailQuicklyAsBadInput(String name, byte[] bytes, String message) {
        assertBadInput(bytes, message);
    }

    @Test
    void aTruncatedMp4IsBadInput() throws Exception {
        Path clip = dir.resolve("clip.mp4");
        SyntheticClip.write(clip, ClipSpec.sample());
        byte[] bytes = Files.readAllBytes(clip);

        assertBadInput(Arrays.copyOf(bytes, bytes.length * 3 / 10), "truncated");
    }

    @Test
    void aTruncatedMoovAtEndMp4IsBadInput() throws Exception {
        Path clip = dir.resolve("clip.mp4");
        SyntheticClip.write(clip, ClipSpec.sample().withFaststart(false));
        byte[] bytes = Files.readAllBytes(clip);

        assertBadInput(Arrays.copyOf(bytes, bytes.length * 3 / 10), "");
    }

    @Test
    void aPlaylistNamingALocalFileIsRefused() throws Exception {
        Path secret = dir.resolve("secret.ts");
        SyntheticClip.write(secret, ClipSpec.sample().withContainer("ts").withDuration(1.0));
        String playlist = "#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:1.0,\nfile://" + secret.toAbsolutePath()
                + "\n#EXT-X-ENDLIST\n";

        assertBadInput(playlist.getBytes(StandardCharsets.UTF_8), "not a supported video container");
    }

    @Test
    void picturesLargerThanTheLimitAreRefusedBeforeDecoding() {
        Path clip = dir.resolve("clip.mp4");
        SyntheticClip.write(clip, ClipSpec.sample().withDuration(1.0));
        MediaLimits small = LIMITS.withMaxSize(160, 120);

        assertThatThrownBy(() -> decodeFile(clip, DecodeSpec.timingOnly(), small))
                .isInstanceOfSatisfying(MediaException.class, e -> assertThat(e.kind()).isEqualTo(MediaException.Kind.BAD_INPUT))
                .hasMessage("video is 320x240, larger than the 160x120 limit");
    }

    @Test
    void videosLongerThanTheLimitAreRefused() {
        Path clip = dir.resolve("clip.mp4");
        SyntheticClip.write(clip, ClipSpec.sample());

        assertThatThrownBy(() -> decodeFile(clip, DecodeSpec.timingOnly(), LIMITS.withMaxDurationSeconds(2)))
                .isInstanceOfSatisfying(MediaException.class, e -> assertThat(e.kind()).isEqualTo(MediaException.Kind.BAD_INPUT))
                .hasMessageContaining("longer than the 2 s limit");
    }

    @Test
    void anUploadThatStallsEndsAtTheDecodeTimeLimit() throws Exception {
        Path clip = dir.resolve("clip.mp4");
        SyntheticClip.write(clip, ClipSpec.sample());
        byte[] bytes = Files.readAllBytes(clip);
        MediaLimits impatient = LIMITS.withMaxDecodeTime(Duration.ofSeconds(1));

        try (UploadSpool spool = new UploadSpool(dir, LIMITS.maxBytes())) {
            spool.append(Arrays.copyOf(bytes, bytes.length / 2)); // and then nothing more, ever
            assertTimeoutPreemptively(HANG_GUARD, () -> assertThatThrownBy(() -> {
                try (StreamingDecoder decoder = StreamingDecoder.open(spool, impatient, DecodeSpec.timingOnly())) {
                    decoder.decode(new RecordingListener(spool));
                }
            }).isInstanceOfSatisfying(MediaException.class, e -> assertThat(e.kind()).isEqualTo(MediaException.Kind.BAD_INPUT))
                    .hasMessage("decoding took longer than the 1 s limit"));
        }
    }

    @Test
    void anAbortedUploadEndsTheDecodeWithItsReason() throws Exception {
        Path clip = dir.resolve("clip.mp4");
        SyntheticClip.write(clip, ClipSpec.sample());
        byte[] bytes = Files.readAllBytes(clip);

        try (UploadSpool spool = new UploadSpool(dir, LIMITS.maxBytes())) {
            spool.append(Arrays.copyOf(bytes, bytes.length / 2));
            RecordingListener recorded = new RecordingListener(spool, () -> spool.abort("client went away"));
            assertTimeoutPreemptively(HANG_GUARD, () -> assertThatThrownBy(() -> {
                try (StreamingDecoder decoder = StreamingDecoder.open(spool, LIMITS, DecodeSpec.timingOnly())) {
                    decoder.decode(recorded);
                }
            }).hasMessage("upload aborted: client went away"));
        }
    }

    @Test
    void interruptingTheDecodingThreadStopsItAndKeepsTheFlag() throws Exception {
        Path clip = dir.resolve("clip.mp4");
        SyntheticClip.write(clip, ClipSpec.sample());
        byte[] bytes = Files.readAllBytes(clip);

        try (UploadSpool spool = new UploadSpool(dir, LIMITS.maxBytes())) {
            spool.append(Arrays.copyOf(bytes, bytes.length / 2));
            AtomicReference<Throwable> failure = new AtomicReference<>();
            AtomicReference<Boolean> stillInterrupted = new AtomicReference<>();
            CountDownLatch firstFrame = new CountDownLatch(1);
            Thread decoding = new Thread(() -> {
                try (StreamingDecoder decoder = StreamingDecoder.open(spool, LIMITS, DecodeSpec.timingOnly())) {
                    decoder.decode(new RecordingListener(spool, firstFrame::countDown));
                } catch (Throwable t) {
                    failure.set(t);
                }
                stillInterrupted.set(Thread.currentThread().isInterrupted());
            });
            decoding.start();
            assertThat(firstFrame.await(20, TimeUnit.SECONDS)).isTrue();
            decoding.interrupt();
            decoding.join(TimeUnit.SECONDS.toMillis(20));

            assertThat(failure.get()).isInstanceOfSatisfying(MediaException.class,
                    e -> assertThat(e.kind()).isEqualTo(MediaException.Kind.INTERNAL));
            assertThat(stillInterrupted.get()).isTrue();
        }
    }

    private void assertBadInput(byte[] bytes, String message) {
        assertTimeoutPreemptively(HANG_GUARD, () -> {
            try (UploadSpool spool = new UploadSpool(dir, LIMITS.maxBytes())) {
                spool.append(bytes);
                spool.complete();
                assertThatThrownBy(() -> {
                    try (StreamingDecoder decoder = StreamingDecoder.open(spool, LIMITS, DecodeSpec.timingOnly())) {
                        decoder.decode(new RecordingListener(spool));
                    }
                }).isInstanceOfSatisfying(MediaException.class,
                        e -> assertThat(e.kind()).isEqualTo(MediaException.Kind.BAD_INPUT))
                        .hasMessageContaining(message);
            }
        });
    }

    /** Appends {@code bytes} in 16-64 KiB chunks with small pauses; past {@code holdAt} it first waits for the latch. */
    private static Thread uploadInChunks(UploadSpool spool, byte[] bytes, int holdAt, CountDownLatch release) {
        Thread uploader = new Thread(() -> {
            Random sizes = new Random(5);
            try {
                int at = 0;
                while (at < bytes.length) {
                    if (at >= holdAt) {
                        release.await(20, TimeUnit.SECONDS);
                    }
                    int end = Math.min(bytes.length, Math.min(at + (16 + sizes.nextInt(49)) * 1024,
                            at < holdAt ? holdAt : bytes.length));
                    spool.append(Arrays.copyOfRange(bytes, at, end));
                    at = end;
                    Thread.sleep(5);
                }
                spool.complete();
            } catch (InterruptedException e) {
                spool.abort("uploader interrupted");
            }
        }, "uploader");
        uploader.start();
        return uploader;
    }

    private static RecordingListener decodeFile(Path clip, DecodeSpec spec) {
        return decodeFile(clip, spec, LIMITS);
    }

    private static RecordingListener decodeFile(Path clip, DecodeSpec spec, MediaLimits limits) {
        try (UploadSpool spool = UploadSpool.ofFile(clip);
             StreamingDecoder decoder = StreamingDecoder.open(spool, limits, spec)) {
            RecordingListener recorded = new RecordingListener(spool);
            decoder.decode(recorded);
            return recorded;
        }
    }

    /** The start of the 10 ms window with the most energy. */
    static double loudestInstant(float[] mono, int rate) {
        int window = rate / 100;
        double best = -1;
        int bestAt = 0;
        for (int start = 0; start + window <= mono.length; start += window) {
            double energy = 0;
            for (int i = start; i < start + window; i++) {
                energy += mono[i] * mono[i];
            }
            if (energy > best) {
                best = energy;
                bestAt = start;
            }
        }
        return (double) bestAt / rate;
    }

    static double nearestImpact(ClipTruth truth, double t) {
        return truth.impactTimes().stream().min((a, b) -> Double.compare(Math.abs(a - t), Math.abs(b - t))).orElseThrow();
    }
}
