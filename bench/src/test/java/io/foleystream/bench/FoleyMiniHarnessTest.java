package io.foleystream.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class FoleyMiniHarnessTest {

    @Test
    void theCommandLineHasDefaultsForEverything() {
        FoleyMiniHarness.Options defaults = FoleyMiniHarness.Options.parse();
        assertThat(defaults.pack()).isEqualTo(Path.of("models/foley-mini"));
        assertThat(defaults.evalPack()).isEqualTo(Path.of("models/eval-mini"));
        assertThat(defaults.world()).isEqualTo(Path.of("target/foley-mini-world"));
        assertThat(defaults.clips()).isEqualTo(FoleyMiniHarness.Options.DEFAULT_CLIPS);
        assertThat(defaults.configs()).hasSize(15);
        assertThat(defaults.out()).isEqualTo(Path.of("target/foley-mini-eval.md"));

        FoleyMiniHarness.Options given = FoleyMiniHarness.Options.parse("--pack", "/work/smoke-pack", "--clips", "3",
                "--configs", "VAT+env,VAT+env@0");
        assertThat(given.pack()).isEqualTo(Path.of("/work/smoke-pack"));
        assertThat(given.clips()).isEqualTo(3);
        assertThat(given.configs()).extracting(AblationConfig::name).containsExactly("VAT+env", "VAT+env@0");

        assertThatThrownBy(() -> FoleyMiniHarness.Options.parse("--clip", "3")).hasMessageContaining("--clip");
        assertThatThrownBy(() -> FoleyMiniHarness.Options.parse("--clips")).hasMessageContaining("pairs");
        assertThatThrownBy(() -> FoleyMiniHarness.Options.parse("--clips", "0")).hasMessageContaining("at least 1");
    }

    @Test
    void aSwappedPromptNamesMetalWoodAndGlassInTurnNeverThePicturesOwn() {
        assertThat(FoleyMiniHarness.swappedMaterial("water", 0)).isEqualTo("metal");
        assertThat(FoleyMiniHarness.swappedMaterial("water", 1)).isEqualTo("wood");
        assertThat(FoleyMiniHarness.swappedMaterial("water", 2)).isEqualTo("glass");
        assertThat(FoleyMiniHarness.swappedMaterial("metal", 0)).isEqualTo("wood");
        assertThat(FoleyMiniHarness.swappedMaterial("glass", 5)).isEqualTo("metal");

        assertThat(FoleyMiniHarness.promptNaming("metal", "hit")).isEqualTo("a stick hitting metal");
        assertThat(FoleyMiniHarness.promptNaming("wood", "scratch")).isEqualTo("scratching wood");
    }
}
