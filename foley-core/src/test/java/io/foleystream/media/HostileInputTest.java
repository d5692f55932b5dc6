package io.foleystream.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Uploads made to break or abuse the decoder: each ends as BAD_INPUT with a reason a user can act on, within the
 * 10 s the service promises, without FFmpeg opening any file the upload names, and without disturbing a good
 * upload decoding beside it.
 */
class HostileInputTest {

    /** What the service promises for a bad upload: a clear failure within 10 s. */
    private static final Duration PROMISED = Duration.ofSeconds(10);
    private static final MediaLimits LIMITS = MediaLimits.defaults();

    @TempDir
    Path dir;

    /** The natives load once per JVM, slowly on a cold machine: not part of the time a bad upload may take. */
    @BeforeAll
    static void loadFfmpeg() {
        Ffmpeg.init();
    }

    /** A small, valid clip to damage. */
    private static ClipSpec clip(String container) {
        return ClipSpec.sample().withContainer(container).withSize(160, 120).withFrameRate(25, 1).withDuration(2.5)
                .withImpacts(List.of(0.55, 1.3, 2.05));
    }

    @Test
    void anEmptyUploadIsBadInput() {
        assertBadInput(new byte[0], "empty upload");
    }

    @Test
    void randomBytesAreBadInput() {
        byte[] random = new byte[256 * 1024];
        new Random(3).nextBytes(random);
        assertBadInput(random, "not a supported video container");
    }

    @Test
    void textIsBadInput() {
        assertBadInput("Hello, this is not a video.\n".repeat(500).getBytes(StandardCharsets.UTF_8),
                "not a supported video container");
    }

    @Test
    void aTruncatedMp4IsBadInput() throws Exception {
        assertBadInput(firstPart(write(clip("mp4")), 0.4), "truncated");
    }

    @Test
    void aTruncatedMatroskaFileIsBadInputBecauseItDeclaresItsDuration() throws Exception {
        assertBadInput(firstPart(write(clip("mkv")), 0.4), "upload is truncated: the video ends at");
    }

    /**
     * MPEG-TS declares no duration, and FFmpeg's AVI demuxer replaces the declared length with what it finds when the
     * index at the end is missing; so a cut-off stream is indistinguishable from a short one, and what decodes counts.
     */
    @ParameterizedTest
    @ValueSource(strings = {"ts", "avi"})
    void aTruncatedStreamThatDeclaresNoDurationDecodesWhatArrived(String container) throws Exception {
        byte[] half = firstPart(write(clip(container).withVideoCodec("mpeg4")), 0.5);

        RecordingListener decoded = decode(half, LIMITS);

        assertThat(decoded.videoEnd).isBetween(0.5, 2.0);
        assertThat(decoded.frameTimes).hasSize((int) Math.round(decoded.videoEnd * 25));
    }

    @Test
    void aBitFlippedMp4IsBadInput() throws Exception {
        byte[] bytes = write(clip("mp4"));
        // One flipped bit in every 64th byte of the middle half: the boxes around it survive, the pictures do not.
        for (int i = bytes.length / 4; i < bytes.length * 3 / 4; i += 64) {
            bytes[i] ^= 0x10;
        }
        assertBadInput(bytes, "upload is corrupt");
    }

    @Test
    void aHeaderClaimingAHugePictureIsRefusedBeforeAnyDecoderOpens() throws Exception {
        byte[] avi = write(clip("avi").withVideoCodec("mjpeg").withoutAudio());
        claimPictureSize(avi, 100_000, 100_000);

        assertBadInput(avi, "video is 100000x100000, larger than the 4096x4096 limit");
    }

    @Test
    void anHlsPlaylistNamingALocalFileIsRefusedAndTheFileIsNeverOpened() throws Exception {
        try (FifoTripwire fifo = new FifoTripwire(dir.resolve("secret.ts"))) {
            String playlist = "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:10\n#EXTINF:10.0,\n"
                    + "file://" + fifo.path + "\n#EXT-X-ENDLIST\n";

            assertBadInput(playlist.getBytes(StandardCharsets.UTF_8), "not a supported video container");

            fifo.assertNeverOpenedForReading();
        }
    }

    @Test
    void aConcatListNamingALocalFileIsRefusedAndTheFileIsNeverOpened() throws Exception {
        try (FifoTripwire fifo = new FifoTripwire(dir.resolve("secret.mp4"))) {
            String list = "ffconcat version 1.0\nfile '" + fifo.path + "'\nfile '" + fifo.path + "'\n";

            assertBadInput(list.getBytes(StandardCharsets.UTF_8), "not a supported video container");

            fifo.assertNeverOpenedForReading();
        }
    }

    @Test
    void anUploadOverTheByteLimitIsRefusedEvenFromAFile() throws Exception {
        Path clip = dir.resolve("clip.mp4");
        SyntheticClip.write(clip, clip("mp4"));

        try (UploadSpool spool = UploadSpool.ofFile(clip)) {
            assertThatThrownBy(() -> StreamingDecoder.open(spool, LIMITS.withMaxBytes(10_000), DecodeSpec.timingOnly()))
                    .isInstanceOfSatisfying(MediaException.class, HostileInputTest::isBadInput)
                    .hasMessage("upload exceeds 10000 bytes");
        }
    }

    /**
     * Garbage must be recognised within the probe size. If FFmpeg read past it, this unfinished upload would keep it
     * waiting for more bytes until the decode time limit, and the message would say so instead.
     */
    @Test
    void recognisingTheContainerReadsNoMoreThanTheProbeSize() throws Exception {
        byte[] random = new byte[256 * 1024];
        new Random(5).nextBytes(random);
        MediaLimits limits = LIMITS.withProbeSizeBytes(64 * 1024).withMaxDecodeTime(PROMISED);

        try (UploadSpool spool = new UploadSpool(dir, LIMITS.maxBytes())) {
            spool.append(random); // and the upload never completes
            assertTimeoutPreemptively(PROMISED.plusSeconds(5), () -> assertThatThrownBy(
                    () -> StreamingDecoder.open(spool, limits, DecodeSpec.timingOnly()))
                    .isInstanceOfSatisfying(MediaException.class, HostileInputTest::isBadInput)
                    .hasMessageStartingWith("not a supported video container"));
        }
    }

    @Test
    void aGoodUploadDecodesWhileHostileOnesFailBesideIt() throws Exception {
        byte[] good = write(clip("mkv"));
        byte[] flipped = write(clip("mp4"));
        for (int i = flipped.length / 4; i < flipped.length * 3 / 4; i += 64) {
            flipped[i] ^= 0x10;
        }
        byte[] random = new byte[128 * 1024];
        new Random(9).nextBytes(random);
        List<byte[]> hostile = List.of(new byte[0], random, firstPart(good, 0.3), flipped,
                "#EXTM3U\n#EXTINF:1.0,\nfile:///etc/passwd\n#EXT-X-ENDLIST\n".getBytes(StandardCharsets.UTF_8));

        ExecutorService pool = Executors.newFixedThreadPool(hostile.size() + 1);
        try {
            Future<RecordingListener> goodJob = pool.submit(() -> decode(good, LIMITS));
            List<Future<Throwable>> hostileJobs = new ArrayList<>();
            for (byte[] bytes : hostile) {
                hostileJobs.add(pool.submit(() -> failureOf(bytes)));
            }

            RecordingListener decoded = goodJob.get(PROMISED.toSeconds() * 3, TimeUnit.SECONDS);
            assertThat(decoded.frameTimes).hasSize(63);
            assertThat(decoded.videoEnd).isCloseTo(2.52, within(0.04));
            for (Future<Throwable> job : hostileJobs) {
                assertThat(job.get(PROMISED.toSeconds() * 3, TimeUnit.SECONDS))
                        .isInstanceOfSatisfying(MediaException.class, HostileInputTest::isBadInput);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private byte[] write(ClipSpec spec) throws IOException {
        Path clip = Files.createTempFile(dir, "clip-", "." + spec.container());
        SyntheticClip.write(clip, spec);
        return Files.readAllBytes(clip);
    }

    private static byte[] firstPart(byte[] bytes, double share) {
        return Arrays.copyOf(bytes, (int) (bytes.length * share));
    }

    private void assertBadInput(byte[] bytes, String message) {
        assertTimeoutPreemptively(PROMISED, () -> assertThat(failureOf(bytes))
                .isInstanceOfSatisfying(MediaException.class, HostileInputTest::isBadInput)
                .hasMessageContaining(message));
    }

    /** Uploads the bytes as one complete upload and decodes them; returns what was thrown, or null. */
    private Throwable failureOf(byte[] bytes) {
        try {
            decode(bytes, LIMITS);
            return null;
        } catch (Throwable t) {
            return t;
        }
    }

    private RecordingListener decode(byte[] bytes, MediaLimits limits) {
        try (UploadSpool spool = new UploadSpool(dir, limits.maxBytes())) {
            spool.append(bytes);
            spool.complete();
            try (StreamingDecoder decoder = StreamingDecoder.open(spool, limits, DecodeSpec.of(16000, 32, 24))) {
                RecordingListener recorded = new RecordingListener(spool);
                decoder.decode(recorded);
                return recorded;
            }
        }
    }

    private static void isBadInput(MediaException e) {
        assertThat(e.kind()).isEqualTo(MediaException.Kind.BAD_INPUT);
    }

    /** Rewrites the picture size in an AVI's main header (avih) and its video format (strf). */
    private static void claimPictureSize(byte[] avi, int width, int height) {
        ByteBuffer le = ByteBuffer.wrap(avi).order(ByteOrder.LITTLE_ENDIAN);
        int avih = indexOf(avi, "avih");
        le.putInt(avih + 8 + 8 * 4, width).putInt(avih + 8 + 9 * 4, height);
        int strf = indexOf(avi, "strf");
        le.putInt(strf + 8 + 4, width).putInt(strf + 8 + 8, height);
    }

    private static int indexOf(byte[] bytes, String fourCc) {
        byte[] tag = fourCc.getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i + tag.length <= bytes.length; i++) {
            if (Arrays.equals(bytes, i, i + tag.length, tag, 0, tag.length)) {
                return i;
            }
        }
        throw new AssertionError("no " + fourCc + " chunk");
    }

    /**
     * A named pipe that betrays any reader. A writer thread sits in open() from the start, and a FIFO's open for
     * writing returns only once something opens it for reading; FFmpeg's file protocol opens for reading and
     * blocking, so had it followed the playlist, it would have released that writer (or hung, failing the 10 s
     * bound). At the end, a non-blocking open for writing must also fail with ENXIO: no reader holds it now.
     */
    private static final class FifoTripwire implements AutoCloseable {
        final Path path;
        private final AtomicBoolean disarmed = new AtomicBoolean();
        private final AtomicBoolean openedByAReader = new AtomicBoolean();
        private final Thread writer;

        FifoTripwire(Path path) throws Exception {
            this.path = path.toAbsolutePath();
            Process mkfifo = new ProcessBuilder("mkfifo", this.path.toString()).inheritIO().start();
            assertThat(mkfifo.waitFor()).isZero();
            writer = new Thread(() -> {
                try (FileOutputStream ignored = new FileOutputStream(this.path.toFile())) {
                    if (!disarmed.get()) {
                        openedByAReader.set(true);
                    }
                } catch (IOException e) {
                    openedByAReader.set(true); // unreachable for a FIFO, and suspicious if it ever happens
                }
            }, "fifo-tripwire");
            writer.setDaemon(true);
            writer.start();
        }

        void assertNeverOpenedForReading() throws Exception {
            writer.join(200); // gives a released writer time to record it; a blocked one stays blocked
            assertThat(openedByAReader).as("something opened the FIFO for reading").isFalse();
            assertThat(writer.isAlive()).as("the writer is still waiting for a first reader").isTrue();
            Process probe = new ProcessBuilder("dd", "if=/dev/null", "of=" + path, "oflag=nonblock")
                    .redirectErrorStream(true).start();
            String said = new String(probe.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(probe.waitFor()).isNotZero();
            assertThat(said).contains("No such device or address"); // ENXIO: no reader has it open
        }

        @Override
        public void close() throws Exception {
            disarmed.set(true);
            if (writer.isAlive()) {
                // Opening it for reading ourselves is what lets the blocked writer go.
                try (FileInputStream release = new FileInputStream(path.toFile())) {
                    writer.join(TimeUnit.SECONDS.toMillis(5));
                }
            }
        }
    }
}
