package io.foleystream.eval;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Entries are keyed by the samples and the eval pack's sha256, so only the same clip under the same model hits. */
class EmbeddingCacheTest {

    private static EvalPack pack;

    @TempDir
    Path root;

    @BeforeAll
    static void load() {
        pack = EvalPack.load(Path.of(System.getProperty("foley.models.dir", "../models")).resolve("eval-mini"));
    }

    @AfterAll
    static void close() {
        pack.close();
    }

    @Test
    void theSameClipIsReadBackAsThePackScoredIt() {
        float[] clip = OnsetReference.samples("strikes_target");
        EmbeddingCache cache = new EmbeddingCache(pack, root);

        EvalPack.AudioScores first = cache.scoreAll(List.of(clip), 22_050).get(0);
        EvalPack.AudioScores again = new EmbeddingCache(pack, root).scoreAll(List.of(clip.clone()), 22_050).get(0);

        EvalPack.AudioScores fresh = pack.score(clip, 22_050);
        assertThat(first.embedding()).containsExactly(fresh.embedding());
        assertThat(again.embedding()).containsExactly(fresh.embedding());
        assertThat(again.clapEmbedding()).containsExactly(fresh.clapEmbedding());
        assertThat(again.materialProbabilities()).containsExactly(fresh.materialProbabilities());
        assertThat(again.action()).isEqualTo(fresh.action());
        assertThat(cache.misses()).isEqualTo(1);
        assertThat(Files.isDirectory(root.resolve(pack.sha256()))).as("the folder names the model").isTrue();
    }

    @Test
    void anotherClipOrRateIsScoredAfresh() {
        float[] clip = OnsetReference.samples("strikes_target");
        float[] changed = clip.clone();
        changed[1000] += 1e-4f;
        EmbeddingCache cache = new EmbeddingCache(pack, root);

        cache.scoreAll(List.of(clip), 22_050);
        List<EvalPack.AudioScores> scores = cache.scoreAll(List.of(clip, changed, clip), 22_050);
        cache.scoreAll(List.of(clip), 16_000);

        assertThat(cache.hits()).isEqualTo(2);
        assertThat(cache.misses()).isEqualTo(3);
        assertThat(scores.get(1).embedding()).containsExactly(pack.score(changed, 22_050).embedding());
    }

    @Test
    void aDamagedEntryIsScoredAgainAndRewritten() throws IOException {
        float[] clip = OnsetReference.samples("strikes_sparse");
        new EmbeddingCache(pack, root).scoreAll(List.of(clip), 22_050);
        try (Stream<Path> entries = Files.list(root.resolve(pack.sha256()))) {
            for (Path entry : entries.toList()) {
                Files.write(entry, new byte[] {0, 0, 0, 1, 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff});
            }
        }

        EmbeddingCache cache = new EmbeddingCache(pack, root);
        EvalPack.AudioScores scores = cache.scoreAll(List.of(clip), 22_050).get(0);

        assertThat(cache.misses()).isEqualTo(1);
        assertThat(scores.embedding()).containsExactly(pack.score(clip, 22_050).embedding());
        assertThat(new EmbeddingCache(pack, root).scoreAll(List.of(clip), 22_050).get(0).embedding())
                .containsExactly(scores.embedding());
    }
}
