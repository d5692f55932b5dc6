package io.foleystream.service.encoder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.google.protobuf.ByteString;
import io.foleystream.assembly.UploadWindowing;
import io.foleystream.assembly.WindowPlan;
import io.foleystream.envelope.EnvelopeSpec;
import io.foleystream.gram.WindowConditioner;
import io.foleystream.kafka.Consumers;
import io.foleystream.kafka.Producers;
import io.foleystream.kafka.Serdes;
import io.foleystream.kafka.Topics;
import io.foleystream.media.ClipSpec;
import io.foleystream.media.DecodeListener;
import io.foleystream.media.DecodeSpec;
import io.foleystream.media.MediaLimits;
import io.foleystream.media.StreamingDecoder;
import io.foleystream.media.SyntheticClip;
import io.foleystream.media.UploadSpool;
import io.foleystream.proto.v1.ConditionedWindow;
import io.foleystream.proto.v1.EmbedRequest;
import io.foleystream.proto.v1.GramGrpc;
import io.foleystream.proto.v1.JobRequest;
import io.foleystream.proto.v1.Modality;
import io.foleystream.proto.v1.SampledFrame;
import io.foleystream.proto.v1.Window;
import io.foleystream.testing.LocalBrokerResource;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One frame path: the frames of a window that the envelope-service cut from a video, conditioned from
 * {@code foley.windows}, get the same video embedding as the same pictures sent to gRPC {@code Gram.Embed}, for a
 * squash pack (the tiny one) and a short-side-centre-crop variant of it.
 */
@QuarkusTest
@WithTestResource(LocalBrokerResource.class)
@WithTestResource(CropPackResource.class)
class FramePathsTest {

    private static final String CROP_PACK = CropPackResource.NAME;
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    /** Wider than high, so squashing and cropping see different pictures; two windows of the tiny pack. */
    private static final ClipSpec CLIP = ClipSpec.sample().withSize(426, 240).withDuration(5.0).withoutAudio();

    @GrpcClient("gram")
    GramGrpc.GramBlockingStub gram;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @TempDir
    Path dir;

    @Test
    void aWindowsFramesEmbedAlikeFromKafkaAndFromEmbedWhateverThePacksResize() throws Exception {
        Path clip = dir.resolve("clip.mp4");
        SyntheticClip.write(clip, CLIP);
        Map<Double, byte[]> pictures = picturesAtOwnSize(clip);
        Map<String, List<Window>> windowsByPack = new LinkedHashMap<>();
        for (String pack : List.of("tiny", CROP_PACK)) {
            windowsByPack.put(pack, cut(clip, pack));
        }
        publish(windowsByPack.values().stream().flatMap(List::stream).toList());

        Map<String, ConditionedWindow> conditioned = readConditioned(4);

        Map<String, float[]> firstWindowByPack = new HashMap<>();
        for (var entry : windowsByPack.entrySet()) {
            assertThat(entry.getValue()).hasSize(2);
            for (Window window : entry.getValue()) {
                EmbedRequest.Builder request = EmbedRequest.newBuilder().setPack(entry.getKey());
                for (SampledFrame frame : window.getFramesList()) {
                    request.addFrames(png(pictures.get(frame.getTimeS())));
                }
                float[] viaEmbed = WindowConditioner.values(gram.embed(request.build()).getEmbeddings(0));
                ConditionedWindow viaKafka = conditioned.get(window.getJobId() + "/" + window.getIndex());

                assertThat(viaKafka.getEmbeddings(0).getModality()).isEqualTo(Modality.VIDEO);
                assertThat(WindowConditioner.values(viaKafka.getEmbeddings(0))).as("%s window %d", entry.getKey(),
                        window.getIndex()).containsExactly(viaEmbed, within(1e-5f));
                firstWindowByPack.putIfAbsent(entry.getKey(), viaEmbed);
            }
        }
        // the two packs really see different pictures, so both resizes are covered
        assertThat(maxDifference(firstWindowByPack.get("tiny"), firstWindowByPack.get(CROP_PACK))).isGreaterThan(1e-3);
    }

    /** The windows envelope-service sends for the clip under a job that names the pack. */
    private static List<Window> cut(Path clip, String pack) throws IOException {
        JobRequest request = JobRequest.newBuilder().setJobId("frames-" + pack).setPack(pack)
                .addModalities(Modality.VIDEO).build();
        UploadWindowing.Settings settings = new UploadWindowing.Settings(new WindowPlan(4.0, 1.0),
                EnvelopeSpec.defaults(EnvelopeSpec.LIBROSA_RMS, 44100), 1, 8, MediaLimits.defaults());
        List<Window> windows = new ArrayList<>();
        try (UploadSpool spool = UploadSpool.ofFile(clip)) {
            UploadWindowing.run(request, spool, settings, windows::add);
        }
        return windows;
    }

    /** Every picture of the clip by its time, as a client would decode it: at its own size, nothing resized. */
    private static Map<Double, byte[]> picturesAtOwnSize(Path clip) throws IOException {
        Map<Double, byte[]> pictures = new HashMap<>();
        try (UploadSpool spool = UploadSpool.ofFile(clip);
             StreamingDecoder decoder = StreamingDecoder.open(spool, MediaLimits.defaults(),
                     DecodeSpec.of(0, CLIP.width(), CLIP.height()))) {
            decoder.decode(new DecodeListener() {
                @Override
                public void onVideoFrame(double pts, double duration, byte[] rgb, int width, int height) {
                    pictures.put(pts, rgb);
                }
            });
        }
        return pictures;
    }

    private static ByteString png(byte[] rgb) {
        BufferedImage image = new BufferedImage(CLIP.width(), CLIP.height(), BufferedImage.TYPE_3BYTE_BGR);
        byte[] bgr = ((DataBufferByte) image.getRaster().getDataBuffer()).getData();
        for (int i = 0; i < rgb.length; i += 3) {
            bgr[i] = rgb[i + 2];
            bgr[i + 1] = rgb[i + 1];
            bgr[i + 2] = rgb[i];
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return ByteString.copyFrom(out.toByteArray());
    }

    private void publish(List<Window> windows) {
        try (KafkaProducer<String, byte[]> producer = Producers.transactional(bootstrapServers, "test-frame-paths",
                Map.of())) {
            producer.initTransactions();
            producer.beginTransaction();
            windows.forEach(w -> producer.send(new ProducerRecord<>(Topics.WINDOWS, w.getJobId(), w.toByteArray())));
            producer.commitTransaction();
        }
    }

    /** This test's conditioned windows by key ("job/index"), polled from the start until {@code count} have come. */
    private Map<String, ConditionedWindow> readConditioned(int count) {
        Map<String, ConditionedWindow> conditioned = new HashMap<>();
        try (KafkaConsumer<String, byte[]> consumer = Consumers.readCommitted(bootstrapServers, "test-frame-paths",
                Map.of())) {
            List<TopicPartition> partitions = consumer.partitionsFor(Topics.CONDITIONED).stream()
                    .map(p -> new TopicPartition(Topics.CONDITIONED, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + PATIENCE.toNanos();
            while (conditioned.size() < count && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.key().startsWith("frames-")) { // other test classes share the broker
                        conditioned.put(r.key(), new Serdes.ConditionedWindowDeserializer()
                                .deserialize(Topics.CONDITIONED, r.value()));
                    }
                }
            }
        }
        assertThat(conditioned).hasSize(count);
        return conditioned;
    }

    private static double maxDifference(float[] a, float[] b) {
        double most = 0;
        for (int i = 0; i < a.length; i++) {
            most = Math.max(most, Math.abs(a[i] - b[i]));
        }
        return most;
    }
}
