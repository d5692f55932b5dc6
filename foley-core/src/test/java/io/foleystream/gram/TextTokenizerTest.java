package io.foleystream.gram;

import static org.assertj.core.api.Assertions.assertThat;

import io.foleystream.onnx.TinyPack;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The tiny pack's tokenizer.json read by our WordPiece code. Expected ids come from the HuggingFace
 * tokenizers library itself (run once through DJL 0.34.0 with padding=max_length, maxLength=40), and can be
 * checked by hand in the vocabulary: [CLS] 101, [SEP] 102, [UNK] 100, a 146, stick 925, hits 920, ...
 */
class TextTokenizerTest {

    private static TextTokenizer tokenizer;

    @BeforeAll
    static void load() {
        tokenizer = TextTokenizer.load(TinyPack.directory().resolve("tokenizer.json"), 40);
    }

    @Test
    void wrapsWordsInClsAndSepAndPadsToMaxLength() {
        TextTokenizer.Encoding encoding = tokenizer.encode("A stick hits wood.");

        assertThat(tokenizer.tokenize("A stick hits wood.")).containsExactly("a", "stick", "hits", "wood", ".");
        assertThat(encoding.ids()).hasSize(40).startsWith(101, 146, 925, 920, 927, 117, 102, 0);
        assertThat(encoding.attentionMask()).startsWith(1, 1, 1, 1, 1, 1, 1, 0);
        assertThat(encoding.length()).isEqualTo(7);
        assertThat(Arrays.stream(encoding.ids()).skip(7)).containsOnly(0L);
    }

    @Test
    void splitsPunctuationAndUnknownWordsIntoPieces() {
        assertIds("Crunchy leaves, splashing!", 101, 994, 946, 115, 956, 104, 102);
        assertIds("knocking 3 times: 1, 2, 3", 101, 983, 139, 508, 119, 137, 115, 138, 115, 139, 102);
        assertIds("footsteps on gravel... then silence",
                101, 1039, 179, 941, 117, 117, 117, 315, 164, 1251, 1299, 1256, 1245, 1247, 102);
        assertThat(tokenizer.tokenize("silence")).containsExactly("s", "##i", "##le", "##n", "##c", "##e");
    }

    @Test
    void lowercasesStripsAccentsAndCleansWhitespace() {
        assertIds("Héllo hitting xyzzyq", 101, 222, 1254, 1254, 1257, 921, 169, 1267, 1268, 1268, 1267, 1259, 102);
        assertIds("CAFÉ door-slams\tin the\nrain", 101, 148, 1243, 1248, 1247, 1055, 116, 1054, 176, 172, 966, 102);
        assertIds("glass\u00A0shattering\u0007 (loud)", 101, 931, 1149, 111, 874, 112, 102);
    }

    @Test
    void marksWhatTheVocabularyCannotSpellAsUnknown() {
        assertIds("水 splash", 101, 100, 954, 102);
        assertIds("Ωmega scraping", 101, 100, 975, 102);
        assertIds("a".repeat(101), 101, 100, 102);
        assertIds("  ", 101, 102);
    }

    @Test
    void truncatesToMaxLengthKeepingSep() {
        TextTokenizer.Encoding encoding = tokenizer.encode("water drops on metal ".repeat(10));

        assertThat(encoding.length()).isEqualTo(40);
        assertThat(encoding.ids()).startsWith(101, 481, 1051, 179, 929, 481).endsWith(929, 481, 1051, 102);
    }

    private static void assertIds(String text, long... expected) {
        TextTokenizer.Encoding encoding = tokenizer.encode(text);
        assertThat(Arrays.copyOf(encoding.ids(), encoding.length())).as(text).containsExactly(expected);
    }
}
