package io.foleystream.service.encoder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.google.protobuf.ByteString;
import io.foleystream.gram.Gram;
import io.foleystream.gram.WindowConditioner;
import io.foleystream.kafka.Consumers;
import io.foleystream.kafka.Producers;
import io.foleystream.kafka.Serdes;
import io.foleystream.kafka.Topics;
import io.foleystream.proto.v1.ConditionedWindow;
import io.foleystream.proto.v1.EmbedReply;
import io.foleystream.proto.v1.EmbedRequest;
import io.foleystream.proto.v1.Embedding;
import io.foleystream.proto.v1.GramGrpc;
import io.foleystream.proto.v1.JobRequest;
import io.foleystream.proto.v1.JobState;
import io.foleystream.proto.v1.JobStatus;
import io.foleystream.proto.v1.Modality;
import io.foleystream.proto.v1.SampledFrame;
import io.foleystream.proto.v1.VolumeRequest;
import io.foleystream.proto.v1.Window;
import io.foleystream.testing.LocalBrokerResource;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import javax.imageio.ImageIO;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/** The encoder-service with the tiny pack against a real in-process broker: its gRPC API and its Kafka stage. */
@QuarkusTest
@WithTestResource(LocalBrokerResource.class)
@WithTestResource(CropPackResource.class)
class EncoderServiceTest {

    private static final Duration PATIENCE = Duration.ofSeconds(60);

    @GrpcClient("gram")
    GramGrpc.GramBlockingStub gram;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @Test
    void embedsTextFramesAndAudioIntoUnitVectorsAndMeasuresTheirVolume() throws IOException {
        EmbedReply reply = gram.embed(EmbedRequest.newBuilder()
                .setText("a stick hits wood")
                .addFrames(jpeg(0x884422)).addFrames(jpeg(0x2266AA))
                .addAllAudio16K(tone(16_000, 440))
                .build());

        assertThat(reply.getEmbeddingsList()).extracting(Embedding::getModality)
                .containsExactly(Modality.TEXT, Modality.VIDEO, Modality.AUDIO);
        assertThat(reply.getEmbeddingsList()).allSatisfy(e -> {
            assertThat(e.getValuesCount()).isEqualTo(512);
            assertThat(norm(e)).isCloseTo(1.0, within(1e-5));
        });

        double volume = gram.volume(VolumeRequest.newBuilder().addAllEmbeddings(reply.getEmbeddingsList()).build())
                .getVolume();

        float[][] vectors = reply.getEmbeddingsList().stream().map(WindowConditioner::values).toArray(float[][]::new);
        assertThat(volume).isCloseTo(Gram.volume(vectors), within(1e-9)).isGreaterThan(0);
    }

    @Test
    void refusesWhatItCannotEmbedOrMeasureAsInvalidArgument() throws IOException {
        assertInvalid(() -> gram.embed(EmbedRequest.getDefaultInstance()), "give a text, frames or 16 kHz audio");
        assertInvalid(() -> gram.embed(EmbedRequest.newBuilder()
                .addFrames(ByteString.copyFromUtf8("not a picture")).build()), "not an image");
        assertInvalid(() -> gram.embed(EmbedRequest.newBuilder().setText("hi").setPack("huge@9.0.0").build()),
                "unknown model pack 'huge@9.0.0' (this service holds [tiny@1.0.0, tiny-crop@1.0.0])");
        ByteString frame = jpeg(0x884422);
        assertInvalid(() -> gram.embed(EmbedRequest.newBuilder().addAllFrames(java.util.Collections.nCopies(65, frame))
                .build()), "65 frames, over the limit of 64 (foley.limits.embed.max-frames)");
        assertInvalid(() -> gram.embed(EmbedRequest.newBuilder()
                        .addAllAudio16K(java.util.Collections.nCopies(60 * 16_000 + 16_00, 0f)).build()),
                "60.1 s of 16 kHz audio, over the limit of 60.0 s (foley.limits.embed.max-audio-seconds)");
        Embedding one = WindowConditioner.embedding(Modality.TEXT, new float[] {1, 0});
        assertInvalid(() -> gram.volume(VolumeRequest.newBuilder().addEmbeddings(one).build()), "2 to 5 vectors");
        Embedding longer = WindowConditioner.embedding(Modality.VIDEO, new float[] {1, 0, 0});
        assertInvalid(() -> gram.volume(VolumeRequest.newBuilder().addEmbeddings(one).addEmbeddings(longer).build()),
                "vector 1 has length 3");
    }

    @Test
    void windowsOfSeveralJobsComeOutConditionedAndABrokenFrameFailsOnlyItsJob() throws IOException {
        JobRequest both = JobRequest.newBuilder().setJobId("job-both").setPrompt("footsteps on gravel")
                .addModalities(Modality.VIDEO).addModalities(Modality.TEXT).build();
        JobRequest videoOnly = JobRequest.newBuilder().setJobId("job-video").addModalities(Modality.VIDEO)
                .setNegativePrompt("wind noise").build();
        JobRequest broken = JobRequest.newBuilder().setJobId("job-broken").build();
        List<Window> windows = List.of(
                window(both, 0, false, jpeg(0x884422), jpeg(0x2266AA)),
                window(videoOnly, 0, true, jpeg(0x11CC33)),
                window(both, 1, true, jpeg(0x2266AA)),
                window(broken, 0, true, ByteString.copyFromUtf8("not a picture")));
        try (KafkaProducer<String, byte[]> producer = Producers.transactional(bootstrapServers, "test-windows", Map.of())) {
            producer.initTransactions();
            producer.beginTransaction();
            windows.forEach(w -> producer.send(new ProducerRecord<>(Topics.WINDOWS, w.getJobId(), w.toByteArray())));
            producer.commitTransaction();
        }

        // this test's jobs only: other test classes share the broker
        Predicate<ConsumerRecord<String, byte[]>> ours = r -> r.key().startsWith("job-");
        Map<String, ConditionedWindow> conditioned = new HashMap<>();
        for (ConsumerRecord<String, byte[]> r : readUntil(Topics.CONDITIONED,
                records -> records.stream().filter(ours).count() >= 3)) {
            if (ours.test(r)) {
                conditioned.put(r.key(), new Serdes.ConditionedWindowDeserializer().deserialize(Topics.CONDITIONED,
                        r.value()));
            }
        }
        List<JobStatus> statuses = readUntil(Topics.STATUS, records -> !records.isEmpty()).stream()
                .map(r -> new Serdes.JobStatusDeserializer().deserialize(Topics.STATUS, r.value())).toList();

        assertThat(conditioned).containsOnlyKeys("job-both/0", "job-video/0", "job-both/1");
        ConditionedWindow first = conditioned.get("job-both/0");
        assertThat(first.getEmbeddingsList()).extracting(Embedding::getModality)
                .containsExactly(Modality.VIDEO, Modality.TEXT);
        assertThat(first.getGramVolume()).isPositive();
        assertThat(first.getRequest().getPrompt()).isEqualTo("footsteps on gravel");
        assertThat(conditioned.get("job-video/0").getEmbeddingsList()).extracting(Embedding::getModality)
                .containsExactly(Modality.VIDEO);
        // the negative prompt is encoded for guidance's unconditional half even when text does not condition
        float[] windNoise = WindowConditioner.values(gram.embed(EmbedRequest.newBuilder().setText("wind noise").build())
                .getEmbeddings(0));
        assertThat(conditioned.get("job-video/0").getNegativeEmbeddingsList()).singleElement().satisfies(e -> {
            assertThat(e.getModality()).isEqualTo(Modality.TEXT);
            assertThat(WindowConditioner.values(e)).containsExactly(windNoise, within(1e-6f));
        });
        assertThat(first.getNegativeEmbeddingsList()).isEmpty();
        // Batched with other jobs' windows or not, a window's embedding is that of its own frames.
        float[] alone = WindowConditioner.values(gram.embed(EmbedRequest.newBuilder().addFrames(jpeg(0x884422))
                .addFrames(jpeg(0x2266AA)).build()).getEmbeddings(0));
        assertThat(WindowConditioner.values(first.getEmbeddings(0))).containsExactly(alone, within(1e-5f));
        assertThat(statuses).singleElement().satisfies(s -> {
            assertThat(s.getJobId()).isEqualTo("job-broken");
            assertThat(s.getState()).isEqualTo(JobState.FAILED);
            assertThat(s.getErrorMessage()).contains("encoding window 0 failed");
        });
    }

    private static void assertInvalid(Runnable call, String message) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(e.getStatus().getDescription()).contains(message);
        });
    }

    private static Window window(JobRequest job, int index, boolean last, ByteString... frames) {
        Window.Builder w = Window.newBuilder().setJobId(job.getJobId()).setIndex(index).setStartS(index * 3.0)
                .setDurationS(4.0).setLast(last).setTotalWindows(last ? index + 1 : 0).setRequest(job)
                .addEnvelope(0.1f).addEnvelope(0.5f).setEnvelopeRateHz(86.13);
        for (ByteString frame : frames) {
            w.addFrames(SampledFrame.newBuilder().setPng(frame));
        }
        return w.build();
    }

    /** Everything committed on the topic so far, polled from the start until {@code enough} holds. */
    private List<ConsumerRecord<String, byte[]>> readUntil(String topic, Predicate<List<ConsumerRecord<String, byte[]>>> enough) {
        try (KafkaConsumer<String, byte[]> consumer = Consumers.readCommitted(bootstrapServers, "test-reader-" + topic, Map.of())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
            long deadline = System.nanoTime() + PATIENCE.toNanos();
            while (!enough.test(records) && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
            // one more poll: anything that should not be there has had its chance to show
            consumer.poll(Duration.ofMillis(500)).forEach(records::add);
            return records;
        }
    }

    private static ByteString jpeg(int rgb) throws IOException {
        BufferedImage image = new BufferedImage(64, 48, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 48; y++) {
            for (int x = 0; x < 64; x++) {
                image.setRGB(x, y, x < 32 ? rgb : ~rgb & 0xFFFFFF);
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "jpg", out);
        return ByteString.copyFrom(out.toByteArray());
    }

    private static List<Float> tone(int samples, double hz) {
        List<Float> tone = new ArrayList<>(samples);
        for (int i = 0; i < samples; i++) {
            tone.add((float) (0.5 * Math.sin(2 * Math.PI * hz * i / 16_000)));
        }
        return tone;
    }

    private static double norm(Embedding e) {
        double sum = 0;
        for (float v : e.getValuesList()) {
            sum += (double) v * v;
        }
        return Math.sqrt(sum);
    }
}
