package io.foleystream.gram;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import io.foleystream.onnx.PackException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The pack's {@code tokenizer.json} run by the HuggingFace tokenizers library (through DJL), set up as GRAM calls
 * BertTokenizer: {@code [CLS] text [SEP]}, {@code padding="max_length"}, {@code truncation=True}. Nothing is
 * downloaded: the file comes from the pack, the native library from DJL's jar.
 */
public final class TextTokenizer implements AutoCloseable {

    /** DJL's setting (system property or environment) for where it unpacks its native library. */
    static final String NATIVE_CACHE_SETTING = "DJL_CACHE_DIR";

    private final HuggingFaceTokenizer tokenizer;
    private final int maxLength;

    private TextTokenizer(HuggingFaceTokenizer tokenizer, int maxLength) {
        this.tokenizer = tokenizer;
        this.maxLength = maxLength;
    }

    /** Reads tokenizer.json; {@code maxLength} counts [CLS] and [SEP] (GRAM: 40). */
    public static TextTokenizer load(Path tokenizerJson, int maxLength) {
        if (maxLength < 2) {
            throw new IllegalArgumentException("maxLength must leave room for [CLS] and [SEP], got " + maxLength);
        }
        if (!Files.isRegularFile(tokenizerJson)) {
            throw new PackException("tokenizer.json: " + tokenizerJson + " is not a file");
        }
        useWritableNativeCache();
        Map<String, String> options = Map.of(
                "addSpecialTokens", "true",
                "padding", "max_length",
                "truncation", "true",
                "maxLength", Integer.toString(maxLength));
        try {
            return new TextTokenizer(HuggingFaceTokenizer.newInstance(tokenizerJson, options), maxLength);
        } catch (IOException | RuntimeException e) {
            throw new PackException("tokenizer.json: cannot load " + tokenizerJson + ": " + e.getMessage(), e);
        }
    }

    /** Token ids and attention mask, each exactly maxLength long. */
    public record Encoding(long[] ids, long[] attentionMask) {
        /** How many positions hold real tokens ([CLS] and [SEP] included). */
        public int length() {
            int n = 0;
            for (long m : attentionMask) {
                n += (int) m;
            }
            return n;
        }
    }

    public int maxLength() {
        return maxLength;
    }

    public Encoding encode(String text) {
        ai.djl.huggingface.tokenizers.Encoding encoding = tokenizer.encode(text);
        return new Encoding(encoding.getIds(), encoding.getAttentionMask());
    }

    /** The tokens of the text as the model sees them: [CLS], word pieces, [SEP], without the padding. */
    public List<String> tokens(String text) {
        ai.djl.huggingface.tokenizers.Encoding encoding = tokenizer.encode(text);
        String[] tokens = encoding.getTokens();
        int length = (int) Arrays.stream(encoding.getAttentionMask()).sum();
        return List.of(Arrays.copyOf(tokens, length));
    }

    @Override
    public void close() {
        tokenizer.close();
    }

    /**
     * DJL unpacks its native library under ~/.djl.ai unless told otherwise; a container's home is often
     * read-only, so without a setting of its own the library goes to the temp directory.
     */
    private static void useWritableNativeCache() {
        if (System.getProperty(NATIVE_CACHE_SETTING) == null && System.getenv(NATIVE_CACHE_SETTING) == null) {
            Path cache = Path.of(System.getProperty("java.io.tmpdir"), "foleystream-djl-" + System.getProperty("user.name"));
            System.setProperty(NATIVE_CACHE_SETTING, cache.toString());
        }
    }
}
