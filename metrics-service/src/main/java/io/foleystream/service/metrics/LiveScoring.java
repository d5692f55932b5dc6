package io.foleystream.service.metrics;

import io.foleystream.eval.EvalPack;
import io.foleystream.eval.LiveScores;
import io.foleystream.gram.GramEncoder;
import io.foleystream.onnx.ModelPack;
import io.foleystream.onnx.PackComponent;
import io.foleystream.onnx.PackRegistry;
import io.foleystream.onnx.RuntimeOptions;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The models behind the live scores beyond E-L1 ({@link LiveScores}): the eval pack for the CLAP text score and each
 * configured pack's GRAM encoders for the GRAM volume, loaded once when {@code foley.eval.live.enabled}.
 */
@Singleton
public class LiveScoring {

    private final EvalPack evalPack;
    private final PackRegistry<ModelPack> packs;
    private final Map<String, GramEncoder> encoders = new ConcurrentHashMap<>();
    private final LiveScores scores;

    LiveScoring(@ConfigProperty(name = "foley.eval.live.enabled") boolean enabled,
                @ConfigProperty(name = "foley.eval.live.max-video-seconds") double maxVideoSeconds,
                @ConfigProperty(name = "foley.eval.pack-dir") Path evalPackDir,
                @ConfigProperty(name = "foley.pack.dirs") List<Path> packDirs) {
        if (!enabled) {
            evalPack = null;
            packs = null;
            scores = null;
            return;
        }
        evalPack = EvalPack.load(evalPackDir, RuntimeOptions.cpu(1));
        packs = PackRegistry.models(packDirs, RuntimeOptions.cpu(1), PackComponent.GRAM_ENCODING);
        scores = new LiveScores(evalPack, window -> encoders.computeIfAbsent(
                packs.resolve(window.getRequest().getPack()).id(),
                id -> new GramEncoder(packs.resolve(id))), maxVideoSeconds);
    }

    /** The live scores, or empty when they are turned off. */
    public Optional<LiveScores> scores() {
        return Optional.ofNullable(scores);
    }

    @PreDestroy
    void close() {
        if (scores != null) {
            packs.close();
            evalPack.close();
        }
    }
}
