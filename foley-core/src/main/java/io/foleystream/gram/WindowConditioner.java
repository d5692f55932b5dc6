package io.foleystream.gram;

import com.google.protobuf.ByteString;
import io.foleystream.dsp.KaldiFbank;
import io.foleystream.dsp.Resampler;
import io.foleystream.proto.v1.ConditionedWindow;
import io.foleystream.proto.v1.Embedding;
import io.foleystream.proto.v1.Modality;
import io.foleystream.proto.v1.SampledFrame;
import io.foleystream.proto.v1.Window;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Turns a batch of windows, from any jobs, into conditioned windows: the frames of every window that wants video
 * go through the video encoder in one run, the prompt is encoded once per job, and the source audio when the
 * window has some. Plain Java: encoder-service's Kafka stage hands it each poll, and an evaluation harness the
 * windows it cut from its own clips.
 */
public final class WindowConditioner {

    /** A conditioned window, or why this window could not be conditioned. */
    public record Outcome(Window window, ConditionedWindow conditioned, RuntimeException failure) {
    }

    /** A window's video embedding, or why its frames could not be encoded. */
    private record Video(float[] embedding, RuntimeException failure) {
    }

    private final GramEncoder encoder;
    /** A job's prompt is the same in every window: encode it once (bounded: jobs leave with their last window). */
    private final Map<String, float[]> promptEmbeddings = new ConcurrentHashMap<>();
    private final Map<String, float[]> negativePromptEmbeddings = new ConcurrentHashMap<>();

    public WindowConditioner(GramEncoder encoder) {
        this.encoder = encoder;
    }

    /** One outcome per window, in order; a window that fails does not fail the others. */
    public List<Outcome> condition(List<Window> windows) {
        Map<Integer, Video> videoByWindow = videoEmbeddings(windows);
        List<Outcome> outcomes = new ArrayList<>(windows.size());
        for (int i = 0; i < windows.size(); i++) {
            Window window = windows.get(i);
            Video video = videoByWindow.getOrDefault(i, new Video(null, null));
            try {
                if (video.failure() != null) {
                    throw video.failure();
                }
                outcomes.add(new Outcome(window, conditioned(window, video.embedding()), null));
            } catch (RuntimeException e) {
                outcomes.add(new Outcome(window, null, e));
            }
            if (window.getLast()) {
                promptEmbeddings.remove(window.getJobId());
                negativePromptEmbeddings.remove(window.getJobId());
            }
        }
        return outcomes;
    }

    /**
     * The video embedding (or the failure) of each window that wants video, by position. All frames go through
     * one encoder run; if that fails (a frame that does not decode), each window is tried alone so the failure
     * stays with its window.
     */
    private Map<Integer, Video> videoEmbeddings(List<Window> windows) {
        List<Integer> positions = new ArrayList<>();
        List<List<byte[]>> frames = new ArrayList<>();
        for (int i = 0; i < windows.size(); i++) {
            Window window = windows.get(i);
            if (wants(window, Modality.VIDEO) && window.getFramesCount() > 0) {
                positions.add(i);
                frames.add(window.getFramesList().stream().map(SampledFrame::getPng).map(ByteString::toByteArray)
                        .toList());
            }
        }
        Map<Integer, Video> byWindow = new HashMap<>();
        if (positions.isEmpty()) {
            return byWindow;
        }
        try {
            List<float[]> embeddings = encoder.embedVideos(frames);
            for (int j = 0; j < positions.size(); j++) {
                byWindow.put(positions.get(j), new Video(embeddings.get(j), null));
            }
        } catch (RuntimeException batchFailure) {
            for (int j = 0; j < positions.size(); j++) {
                try {
                    byWindow.put(positions.get(j), new Video(encoder.embedVideo(frames.get(j)), null));
                } catch (RuntimeException e) {
                    byWindow.put(positions.get(j), new Video(null, e));
                }
            }
        }
        return byWindow;
    }

    private ConditionedWindow conditioned(Window window, float[] video) {
        List<Embedding> embeddings = new ArrayList<>();
        if (video != null) {
            embeddings.add(embedding(Modality.VIDEO, video));
        }
        String prompt = window.getRequest().getPrompt();
        if (wants(window, Modality.TEXT) && !prompt.isBlank()) {
            embeddings.add(embedding(Modality.TEXT,
                    promptEmbeddings.computeIfAbsent(window.getJobId(), id -> encoder.embedText(prompt))));
        }
        if (wants(window, Modality.AUDIO) && window.getSourceAudioCount() > 0) {
            embeddings.add(embedding(Modality.AUDIO, encoder.embedAudio(sourceAudio16k(window))));
        }
        ConditionedWindow.Builder out = ConditionedWindow.newBuilder()
                .setJobId(window.getJobId())
                .setIndex(window.getIndex())
                .setStartS(window.getStartS())
                .setDurationS(window.getDurationS())
                .addAllEnvelope(window.getEnvelopeList())
                .setEnvelopeRateHz(window.getEnvelopeRateHz())
                .setEnvelopeChannels(window.getEnvelopeChannels())
                .setAudioPeak(window.getAudioPeak())
                .setEnvelopeFromVideo(window.getEnvelopeFromVideo())
                .addAllEmbeddings(embeddings)
                .setLast(window.getLast())
                .setTotalWindows(window.getTotalWindows())
                .setVideoDurationS(window.getVideoDurationS())
                .setRequest(window.getRequest());
        // the negative prompt steers the unconditional half of guidance, whichever modalities condition the other
        String negativePrompt = window.getRequest().getNegativePrompt();
        if (!negativePrompt.isBlank()) {
            out.addNegativeEmbeddings(embedding(Modality.TEXT,
                    negativePromptEmbeddings.computeIfAbsent(window.getJobId(), id -> encoder.embedText(negativePrompt))));
        }
        if (embeddings.size() >= 2) {
            out.setGramVolume((float) Gram.volume(embeddings.stream().map(WindowConditioner::values)
                    .toArray(float[][]::new)));
        }
        return out.build();
    }

    /** The window's source-audio slice at 16 kHz (the rate GRAM's audio tower takes); a rate of 0 means 16 kHz. */
    private static float[] sourceAudio16k(Window window) {
        float[] samples = new float[window.getSourceAudioCount()];
        for (int i = 0; i < samples.length; i++) {
            samples[i] = window.getSourceAudio(i);
        }
        int rate = window.getSourceAudioRate();
        return rate == 0 ? samples : Resampler.resample(samples, rate, KaldiFbank.SAMPLE_RATE);
    }

    /** An empty modality list means every modality the window can give. */
    private static boolean wants(Window window, Modality modality) {
        List<Modality> wanted = window.getRequest().getModalitiesList();
        return wanted.isEmpty() || wanted.contains(modality);
    }

    public static Embedding embedding(Modality modality, float[] values) {
        Embedding.Builder e = Embedding.newBuilder().setModality(modality);
        for (float v : values) {
            e.addValues(v);
        }
        return e.build();
    }

    public static float[] values(Embedding e) {
        float[] values = new float[e.getValuesCount()];
        for (int i = 0; i < values.length; i++) {
            values[i] = e.getValues(i);
        }
        return values;
    }
}
