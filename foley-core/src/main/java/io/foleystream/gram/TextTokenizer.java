package io.foleystream.gram;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.foleystream.onnx.PackException;
import java.io.IOException;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * BERT's WordPiece tokenizer (bert-base-uncased rules) read from a HuggingFace {@code tokenizer.json}:
 * BertNormalizer (clean text, space around CJK, strip accents, lowercase), BertPreTokenizer (whitespace and
 * punctuation), greedy longest-match WordPiece with "##" continuations, then {@code [CLS] text [SEP]},
 * truncated and padded to a fixed length as GRAM's {@code padding="max_length", truncation=True} does.
 *
 * <p>Plain Java on purpose: the same ids as the Rust tokenizers library for this tokenizer type (the tests
 * hold ids that library produced), without a native library.
 */
public final class TextTokenizer {

    private final Map<String, Integer> vocab;
    private final String unknownToken;
    private final String continuationPrefix;
    private final int maxCharsPerWord;
    private final boolean lowercase;
    private final boolean stripAccents;
    private final long clsId;
    private final long sepId;
    private final long padId;
    private final int maxLength;

    private TextTokenizer(JsonNode json, int maxLength) {
        JsonNode model = json.path("model");
        if (!"WordPiece".equals(model.path("type").asText())) {
            throw new PackException("tokenizer.json: model type is '" + model.path("type").asText()
                    + "', only WordPiece (BERT) is supported");
        }
        if (maxLength < 2) {
            throw new IllegalArgumentException("maxLength must leave room for [CLS] and [SEP], got " + maxLength);
        }
        this.vocab = new HashMap<>();
        model.path("vocab").properties().forEach(entry -> vocab.put(entry.getKey(), entry.getValue().asInt()));
        this.unknownToken = model.path("unk_token").asText("[UNK]");
        this.continuationPrefix = model.path("continuing_subword_prefix").asText("##");
        this.maxCharsPerWord = model.path("max_input_chars_per_word").asInt(100);
        JsonNode normalizer = json.path("normalizer");
        this.lowercase = normalizer.path("lowercase").asBoolean(true);
        // HF: strip_accents null means "do what lowercase does".
        JsonNode strip = normalizer.path("strip_accents");
        this.stripAccents = strip.isBoolean() ? strip.asBoolean() : lowercase;
        this.clsId = id("[CLS]");
        this.sepId = id("[SEP]");
        this.padId = id("[PAD]");
        id(unknownToken);
        this.maxLength = maxLength;
    }

    /** Reads tokenizer.json; {@code maxLength} counts [CLS] and [SEP] (GRAM: 40). */
    public static TextTokenizer load(Path tokenizerJson, int maxLength) {
        try {
            return new TextTokenizer(new ObjectMapper().readTree(tokenizerJson.toFile()), maxLength);
        } catch (IOException e) {
            throw new PackException("tokenizer.json: cannot read " + tokenizerJson + ": " + e.getMessage(), e);
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
        List<String> tokens = tokenize(text);
        int kept = Math.min(tokens.size(), maxLength - 2);
        long[] ids = new long[maxLength];
        long[] mask = new long[maxLength];
        Arrays.fill(ids, padId);
        ids[0] = clsId;
        for (int i = 0; i < kept; i++) {
            ids[i + 1] = vocab.get(tokens.get(i));
        }
        ids[kept + 1] = sepId;
        Arrays.fill(mask, 0, kept + 2, 1L);
        return new Encoding(ids, mask);
    }

    /** The WordPiece tokens of the text, without [CLS]/[SEP] and without truncation. */
    public List<String> tokenize(String text) {
        List<String> tokens = new ArrayList<>();
        for (String word : preTokenize(normalize(text))) {
            wordPiece(word, tokens);
        }
        return tokens;
    }

    private String normalize(String text) {
        StringBuilder cleaned = new StringBuilder(text.length());
        text.codePoints().forEach(c -> {
            if (c == 0 || c == 0xFFFD || isControl(c)) {
                return;
            }
            if (isWhitespace(c)) {
                cleaned.append(' ');
            } else if (isChinese(c)) {
                cleaned.append(' ').appendCodePoint(c).append(' ');
            } else {
                cleaned.appendCodePoint(c);
            }
        });
        String normalized = cleaned.toString();
        if (stripAccents) {
            normalized = Normalizer.normalize(normalized, Normalizer.Form.NFD).codePoints()
                    .filter(c -> Character.getType(c) != Character.NON_SPACING_MARK)
                    .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
        }
        return lowercase ? normalized.toLowerCase(Locale.ROOT) : normalized;
    }

    /** Splits on whitespace, and makes every punctuation character a word of its own. */
    private static List<String> preTokenize(String text) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        text.codePoints().forEach(c -> {
            if (isWhitespace(c) || isPunctuation(c)) {
                if (!word.isEmpty()) {
                    words.add(word.toString());
                    word.setLength(0);
                }
                if (isPunctuation(c)) {
                    words.add(new String(Character.toChars(c)));
                }
            } else {
                word.appendCodePoint(c);
            }
        });
        if (!word.isEmpty()) {
            words.add(word.toString());
        }
        return words;
    }

    /** Greedy longest match first; a word with any unmatched piece becomes a single [UNK]. */
    private void wordPiece(String word, List<String> out) {
        int[] chars = word.codePoints().toArray();
        if (chars.length > maxCharsPerWord) {
            out.add(unknownToken);
            return;
        }
        List<String> pieces = new ArrayList<>();
        int start = 0;
        while (start < chars.length) {
            String match = null;
            int end = chars.length;
            for (; end > start; end--) {
                String piece = new String(chars, start, end - start);
                String candidate = start > 0 ? continuationPrefix + piece : piece;
                if (vocab.containsKey(candidate)) {
                    match = candidate;
                    break;
                }
            }
            if (match == null) {
                out.add(unknownToken);
                return;
            }
            pieces.add(match);
            start = end;
        }
        out.addAll(pieces);
    }

    private long id(String token) {
        Integer id = vocab.get(token);
        if (id == null) {
            throw new PackException("tokenizer.json: vocabulary has no " + token);
        }
        return id;
    }

    private static boolean isWhitespace(int c) {
        return c == '\t' || c == '\n' || c == '\r' || Character.isWhitespace(c) || Character.isSpaceChar(c);
    }

    private static boolean isControl(int c) {
        if (c == '\t' || c == '\n' || c == '\r') {
            return false;
        }
        int type = Character.getType(c);
        return type == Character.CONTROL || type == Character.FORMAT || type == Character.SURROGATE
                || type == Character.PRIVATE_USE || type == Character.UNASSIGNED;
    }

    private static boolean isPunctuation(int c) {
        if ((c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126)) {
            return true;
        }
        return switch (Character.getType(c)) {
            case Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION, Character.START_PUNCTUATION,
                    Character.END_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION,
                    Character.FINAL_QUOTE_PUNCTUATION, Character.OTHER_PUNCTUATION -> true;
            default -> false;
        };
    }

    private static boolean isChinese(int c) {
        return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x20000 && c <= 0x2A6DF)
                || (c >= 0x2A700 && c <= 0x2B73F) || (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B820 && c <= 0x2CEAF)
                || (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
    }
}
