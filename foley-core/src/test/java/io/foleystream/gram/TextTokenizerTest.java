package io.foleystream.gram;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.foleystream.onnx.PackException;
import io.foleystream.onnx.TinyPack;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tiny pack's tokenizer.json through the HuggingFace tokenizers library. Every expected id below was worked
 * out by hand from the vocabulary in models/tiny/tokenizer.json (tools/export/tiny_vocab.py), following BERT's
 * rules: clean control characters, lowercase, strip accents, space around CJK characters, split on whitespace
 * and punctuation, then greedy longest-match WordPiece ("##" for a piece inside a word; a word with a piece the
 * vocabulary lacks, or over 100 characters, is one [UNK]). The comment above each case shows the pieces.
 *
 * <p>Ids used: [PAD] 0, [UNK] 100, [CLS] 101, [SEP] 102; punctuation ! 104, " 105, & 109, ' 110, ( 111, ) 112,
 * , 115, - 116, . 117, : 119, ; 120, ? 124; digits 1 137, 2 138, 3 139; letters a 146 ... z 171; continuations
 * ##0 1233, ##a 1243 ... ##z 1268 (##c 1245, ##e 1247, ##f 1248, ##g 1249, ##i 1251, ##l 1254, ##m 1255, ##n 1256,
 * ##o 1257, ##r 1260, ##s 1261, ##t 1262, ##x 1266), ##ies 1276, ##er 1272, ##ing 1271, ##ive 1288.
 */
class TextTokenizerTest {

    private static TextTokenizer tokenizer;

    @BeforeAll
    static void load() {
        tokenizer = TextTokenizer.load(TinyPack.directory().resolve("tokenizer.json"), 40);
    }

    @AfterAll
    static void close() {
        tokenizer.close();
    }

    @Test
    void wrapsWordsInClsAndSepAndPadsToMaxLength() {
        TextTokenizer.Encoding encoding = tokenizer.encode("A stick hits wood.");

        // [CLS] a stick hits wood . [SEP]
        assertThat(tokenizer.tokens("A stick hits wood.")).containsExactly("[CLS]", "a", "stick", "hits", "wood", ".",
                "[SEP]");
        assertThat(encoding.ids()).hasSize(40).startsWith(101, 146, 925, 920, 927, 117, 102, 0);
        assertThat(encoding.attentionMask()).hasSize(40).startsWith(1, 1, 1, 1, 1, 1, 1, 0);
        assertThat(encoding.length()).isEqualTo(7);
        assertThat(Arrays.stream(encoding.ids()).skip(7)).containsOnly(0L);
    }

    @Test
    void lowercasesAndStripsAccents() {
        // door slams
        assertIds("DOOR Slams", 101, 1055, 1054, 102);
        // cafe -> c ##a ##f ##e (no "cafe", "caf" or "ca"); creme -> c ##r ##e ##m ##e
        assertIds("Café crème", 101, 148, 1243, 1248, 1247, 148, 1260, 1247, 1255, 1247, 102);
        // naive -> n ##a ##ive; arger -> a ##r ##g ##er
        assertIds("NAÏVE Ärger", 101, 159, 1243, 1288, 146, 1260, 1249, 1272, 102);
    }

    @Test
    void makesEveryPunctuationCharacterAToken() {
        // crash ! bang ? ( loud )
        assertIds("Crash! Bang? (loud)", 101, 988, 104, 984, 124, 111, 874, 112, 102);
        // " whoosh " & swish ;
        assertIds("\"Whoosh\" & swish;", 101, 105, 1013, 105, 109, 1015, 120, 102);
        // splashing , dripping ; pouring .
        assertIds("splashing, dripping; pouring.", 101, 956, 115, 959, 120, 961, 117, 102);
    }

    @Test
    void splitsNumbersIntoDigitPieces() {
        // 3 knocks at 1 ##0 : 3 ##0
        assertIds("3 knocks at 10:30", 101, 139, 982, 191, 137, 1233, 119, 139, 1233, 102);
        // 2 ##x fast ##er
        assertIds("2x faster", 101, 138, 1266, 877, 1272, 102);
    }

    @Test
    void splitsHyphensAndApostrophesOff() {
        // door - slams , self - c ##l ##o ##s ##ing (no "closing", "clos", "clo" or "cl")
        assertIds("door-slams, self-closing", 101, 1055, 116, 1054, 115, 826, 116, 148, 1254, 1257, 1261, 1271, 102);
        // dog ' s bark , do ##n ' t
        assertIds("dog's bark, don't", 101, 1101, 110, 164, 1104, 115, 216, 1256, 110, 165, 102);
        // rock ' n ' roll
        assertIds("rock'n'roll", 101, 939, 110, 159, 110, 1163, 102);
    }

    @Test
    void breaksUnknownWordsIntoTheLongestPiecesItHas() {
        // hammering nail ##s
        assertIds("hammering nails", 101, 1191, 1194, 1261, 102);
        // crunch ##ies ##t leaves ("crunchy" is a word, but not a prefix of "crunchiest")
        assertIds("Crunchiest leaves", 101, 993, 1276, 1262, 946, 102);
    }

    @Test
    void marksWhatTheVocabularyCannotSpellAsUnknown() {
        // 雨 and 水 become words of their own (CJK), neither is in the vocabulary: [UNK] [UNK] drip
        assertIds("雨水drip", 101, 100, 100, 957, 102);
        // a snowman symbol is neither punctuation nor in the vocabulary: [UNK] snow
        assertIds("☃ snow", 101, 100, 1215, 102);
        // ß has no accent to strip and no piece, so the whole word is [UNK]; noise -> no ##i ##s ##e
        assertIds("Straße noise", 101, 100, 217, 1251, 1261, 1247, 102);
        // a word over max_input_chars_per_word (100) is [UNK] however spellable it is
        assertIds("a".repeat(101) + " splash", 101, 100, 954, 102);
    }

    @Test
    void dropsControlCharactersAndTreatsAnySpaceAsASeparator() {
        // glass shattering ( loud ): the no-break space separates, the bell character (U+0007) vanishes
        assertIds("glass\u00A0shattering\u0007 (loud)", 101, 931, 1149, 111, 874, 112, 102);
        // nothing but [CLS] [SEP] for empty or blank text
        assertIds("", 101, 102);
        assertIds(" \t\n ", 101, 102);
    }

    @Test
    void truncatesToMaxLengthKeepingSep() {
        // 40 words; 38 fit between [CLS] and [SEP]: nine times "water drops on metal", then "water drops"
        TextTokenizer.Encoding encoding = tokenizer.encode("water drops on metal ".repeat(10));

        long[] expected = LongStream.concat(LongStream.concat(LongStream.of(101),
                        LongStream.range(0, 9).flatMap(i -> LongStream.of(481, 1051, 179, 929))),
                LongStream.of(481, 1051, 102)).toArray();
        assertThat(encoding.ids()).containsExactly(expected);
        assertThat(encoding.attentionMask()).containsOnly(1L);
    }

    @Test
    void refusesAMissingOrBrokenTokenizerFileNamingIt(@TempDir Path dir) throws Exception {
        Path missing = dir.resolve("tokenizer.json");
        assertThatThrownBy(() -> TextTokenizer.load(missing, 40)).isInstanceOf(PackException.class)
                .hasMessageContaining(missing.toString());

        Path broken = Files.writeString(dir.resolve("broken.json"), "{\"model\": 42}");
        assertThatThrownBy(() -> TextTokenizer.load(broken, 40)).isInstanceOf(PackException.class)
                .hasMessageContaining("broken.json");
    }

    private static void assertIds(String text, long... expected) {
        TextTokenizer.Encoding encoding = tokenizer.encode(text);
        assertThat(encoding.ids()).as(text).hasSize(40);
        assertThat(Arrays.copyOf(encoding.ids(), encoding.length())).as(text).containsExactly(expected);
        assertThat(Arrays.stream(encoding.ids()).skip(encoding.length())).as(text + " padding").containsOnly(0L);
    }
}
