package io.foleystream.gram;

import io.foleystream.onnx.ModelPack;
import io.foleystream.onnx.PackManifest;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/**
 * GRAM embeddings of one window's modalities, and their projection to the DiT's cross-attention tokens.
 *
 * <p>Every embedding it returns is L2-normalised (the ONNX encoders return raw vectors). Video follows
 * GRAM's pooling: one encoder run over all frames, mean over frames, then normalise.
 */
public final class GramEncoder {

    private final ModelPack pack;
    private final VideoPreprocessor videoPreprocessor;
    private final TextTokenizer tokenizer;
    private final AudioPreprocessor audioPreprocessor;
    private final int gramDim;

    public GramEncoder(ModelPack pack) {
        PackManifest manifest = pack.manifest();
        this.pack = pack;
        this.videoPreprocessor = VideoPreprocessor.of(manifest.preprocessing().video());
        this.tokenizer = TextTokenizer.load(pack.tokenizerPath(), manifest.preprocessing().text().maxLength());
        this.audioPreprocessor = AudioPreprocessor.of(manifest.preprocessing().audio());
        this.gramDim = manifest.conditioning().gramDim();
    }

    /**
     * One embedding for a window's sampled frames (encoded still pictures, see
     * {@link VideoPreprocessor#fromImage(byte[])}), batched through the encoder in one run.
     */
    public float[] embedVideo(List<byte[]> frames) {
        return embedVideos(List.of(frames)).get(0);
    }

    /**
     * One embedding per window for several windows' frames, all frames in a single encoder run (how the
     * encoder-service batches windows across jobs). Each embedding is the normalised mean of its own window's
     * frames, the same as {@link #embedVideo} gives for that window alone.
     */
    public List<float[]> embedVideos(List<List<byte[]>> framesPerWindow) {
        for (List<byte[]> frames : framesPerWindow) {
            if (frames.isEmpty()) {
                throw new IllegalArgumentException("need at least one frame per window");
            }
        }
        List<byte[]> images = framesPerWindow.stream().flatMap(List::stream).toList();
        if (images.isEmpty()) {
            return List.of();
        }
        int frameLength = videoPreprocessor.frameLength();
        // Every frame decoded and preprocessed straight into the encoder's reused input buffer. Frames are
        // independent and decoding is the costliest step outside the runtime, so they spread over the cores, each
        // through its own view of the buffer (views share the memory; each writes only its own frame's range).
        // A frame that fails does not end the loop: a parallel forEach that throws returns while other threads may
        // still be decoding into the buffer, which goes back to the pool for the next run to reuse.
        float[] perFrame = pack.videoEncoder().embed(images.size(), pixels -> {
            RuntimeException[] failures = new RuntimeException[images.size()];
            IntStream.range(0, images.size()).parallel().forEach(frame -> {
                try {
                    videoPreprocessor.fromImage(images.get(frame), pixels.duplicate(), frame * frameLength);
                } catch (RuntimeException e) {
                    failures[frame] = e;
                }
            });
            for (RuntimeException failure : failures) {
                if (failure != null) {
                    throw failure;
                }
            }
        });
        List<float[]> embeddings = new ArrayList<>(framesPerWindow.size());
        int first = 0;
        for (List<byte[]> frames : framesPerWindow) {
            embeddings.add(Gram.normalize(meanOfRows(perFrame, first, frames.size())));
            first += frames.size();
        }
        return embeddings;
    }

    public float[] embedText(String text) {
        TextTokenizer.Encoding encoding = tokenizer.encode(text);
        return Gram.normalize(pack.textEncoder().embed(encoding.ids(), encoding.attentionMask(), 1));
    }

    /**
     * One embedding for the window's audio, 16 kHz mono samples in [-1, 1] (decode with
     * {@code DecodeSpec.audioOnly(16000)}, then {@code Channels.monoMix}): Kaldi fbank, BEATs normalisation, GRAM's
     * middle slice, encoder.
     */
    public float[] embedAudio(float[] mono16k) {
        return Gram.normalize(pack.audioEncoder().embed(audioPreprocessor.fromSamples(mono16k), 1));
    }

    public TextTokenizer tokenizer() {
        return tokenizer;
    }

    /** The mean of {@code count} gramDim-long rows starting at row {@code first}. */
    private float[] meanOfRows(float[] rows, int first, int count) {
        float[] mean = new float[gramDim];
        for (int row = first; row < first + count; row++) {
            for (int i = 0; i < gramDim; i++) {
                mean[i] += rows[row * gramDim + i] / count;
            }
        }
        return mean;
    }
}
