package io.foleystream.eval;

import io.foleystream.FoleyVersion;
import io.foleystream.eval.report.EvaluationReport;
import io.foleystream.eval.report.EvaluationReport.HistoryPoint;
import io.foleystream.eval.report.EvaluationReport.MetricRow;
import io.foleystream.eval.report.EvaluationReport.PackInfo;
import io.foleystream.gram.GramEncoder;
import io.foleystream.kafka.KafkaSecurity;
import io.foleystream.kafka.Topics;
import io.foleystream.onnx.ModelPack;
import io.foleystream.onnx.PackComponent;
import io.foleystream.onnx.RuntimeOptions;
import java.util.EnumSet;
import io.foleystream.onnx.PackFiles;
import io.foleystream.onnx.PackManifest;
import io.foleystream.onnx.PackRegistry;
import io.foleystream.proto.v1.EvaluationResult;
import io.foleystream.proto.v1.MetricComparison;
import io.foleystream.proto.v1.PackRef;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

/**
 * One evaluation run of a candidate pack against the live audio, as {@code foley eval} and gRPC {@code Compare}
 * run it: reads the jobs the candidate's replay completed ({@link ReplayedJobs}), compares both sides
 * ({@link PackComparison}), records the run on {@code foley.eval.results} and returns it with the report of it,
 * whose history holds every earlier run.
 */
public final class CandidateEvaluation implements AutoCloseable {

    private final ReplayedJobs jobs;
    private final EvaluationResults results;
    private final PackRegistry<PackManifest> packs;
    private final Map<String, String> packSha256 = new LinkedHashMap<>();
    private final EmbeddingCache embeddings;
    private final ModelPack gramPack;
    private final GramEncoder gram;
    private final List<double[]> referenceSet;

    /**
     * @param packDirs     the model packs the jobs and the candidate name; the first is the default, whose GRAM
     *                     encoders judge the GRAM volume of both sides
     * @param gramVolume   whether to measure the GRAM volume (it loads the default pack's three encoders); false
     *                     leaves that metric out (NaN)
     * @param referenceSet reference embeddings for FAD and KAD; empty: the uploads' own sound
     */
    public CandidateEvaluation(String bootstrapServers, KafkaSecurity security, List<Path> packDirs,
                               EmbeddingCache embeddings, boolean gramVolume, List<double[]> referenceSet) {
        this.jobs = new ReplayedJobs(bootstrapServers, security);
        this.results = new EvaluationResults(bootstrapServers, security);
        this.packs = PackRegistry.manifests(packDirs);
        for (Path dir : packDirs) {
            Path packJson = dir.resolve(ModelPack.MANIFEST_FILE);
            packSha256.put(PackManifest.read(packJson).id(), PackFiles.sha256(packJson));
        }
        this.embeddings = embeddings;
        this.gramPack = gramVolume ? ModelPack.load(packDirs.get(0), RuntimeOptions.cpu(0), EnumSet.of(
                PackComponent.VIDEO_ENCODER, PackComponent.TEXT_ENCODER, PackComponent.AUDIO_ENCODER)) : null;
        try {
            this.gram = gramVolume ? new GramEncoder(gramPack) : null;
        } catch (RuntimeException e) {
            gramPack.close();
            throw e;
        }
        this.referenceSet = referenceSet;
    }

    /** A run: its record (as written to {@code foley.eval.results}) and its report. */
    public record Outcome(EvaluationResult result, EvaluationReport report) {
    }

    /**
     * @param candidateSelector the candidate's pack, as the replay named it ("name" or "name@version")
     * @param jobIds            the jobs to compare; empty: every job the candidate's replay completed
     * @param record            whether to write the run to {@code foley.eval.results}
     * @throws io.foleystream.onnx.PackException for a candidate none of the packs is
     * @throws IllegalArgumentException for a job the candidate did not complete
     * @throws IllegalStateException when the candidate completed no job
     */
    public Outcome evaluate(String candidateSelector, List<String> jobIds, boolean record) {
        PackManifest candidate = packs.resolve(candidateSelector);
        Set<String> completed = jobs.completedBy(candidate.id());
        if (completed.isEmpty()) {
            throw new IllegalStateException("no job is complete on " + Topics.candidateStatus(candidate.id())
                    + ": run foley replay --pack " + candidate.id() + " first");
        }
        List<String> selected = jobIds.isEmpty() ? List.copyOf(completed) : List.copyOf(jobIds);
        for (String job : selected) {
            if (!completed.contains(job)) {
                throw new IllegalArgumentException("job " + job + " is not complete on "
                        + Topics.candidateStatus(candidate.id()));
            }
        }
        List<ReplayedJob> replayed = jobs.read(selected, candidate.id());
        if (jobIds.isEmpty()) {
            // the compacted status topic outlives the windows and audio: jobs past retention drop out quietly
            replayed = replayed.stream().filter(ReplayedJob::isComplete).toList();
            if (replayed.isEmpty()) {
                throw new IllegalStateException("no job the replay with " + candidate.id() + " completed still has all"
                        + " its windows and audio on the topics: replay again");
            }
            selected = replayed.stream().map(ReplayedJob::jobId).toList();
        }
        for (ReplayedJob job : replayed) {
            if (!job.isComplete()) {
                throw new IllegalArgumentException("job " + job.jobId() + " has lost windows or audio from the topics"
                        + " (past their retention?): it cannot be compared");
            }
        }
        Set<String> baselineIds = new TreeSet<>();
        replayed.forEach(job -> job.baseline().forEach(audio -> baselineIds.add(audio.getPackVersion())));
        PackComparison comparison = new PackComparison(
                window -> packs.resolve(window.getRequest().getPack())
                        .envelopeSpec(window.getRequest().getEnvelopePreset()),
                embeddings, gram, referenceSet);
        PackComparison.Result compared = comparison.compare(replayed);

        EvaluationResult.Builder result = EvaluationResult.newBuilder()
                .setRunId(UUID.randomUUID().toString())
                .setFinishedAtMs(System.currentTimeMillis())
                .setBaseline(packRef(String.join("+", baselineIds)))
                .setCandidate(packRef(candidate.id()))
                .setDataRange(selected.size() + " job(s) replayed on " + Topics.candidateAudio(candidate.id())
                        + (referenceSet.isEmpty() ? ", against the uploads' sound" : ", against a reference set of "
                        + referenceSet.size() + " embeddings"))
                .addAllJobIds(selected)
                .setEmbeddingModel(embeddings.pack().id() + " sha256:" + embeddings.pack().sha256()
                        + (gram == null ? "" : "; GRAM volume by " + gramPack.id()))
                .setCodeVersion(FoleyVersion.current());
        for (MetricRow row : compared.metrics()) {
            result.addMetrics(MetricComparison.newBuilder().setName(row.name()).setBaseline(row.baseline())
                    .setCandidate(row.candidate()).setHigherIsBetter(row.higherIsBetter()));
        }
        EvaluationResult run = result.build();
        List<EvaluationResult> history = new ArrayList<>(results.history());
        if (record) {
            results.record(run);
        }
        history.removeIf(earlier -> earlier.getRunId().equals(run.getRunId()));
        history.add(run);
        return new Outcome(run, report(run, history, compared));
    }

    /** Every run recorded on {@code foley.eval.results}, oldest first. */
    public List<EvaluationResult> history() {
        return results.history();
    }

    @Override
    public void close() {
        if (gramPack != null) {
            gramPack.close();
        }
    }

    private PackRef packRef(String id) {
        int at = id.indexOf('@');
        return PackRef.newBuilder().setName(at < 0 ? id : id.substring(0, at))
                .setVersion(at < 0 ? "" : id.substring(at + 1))
                .setSha256(packSha256.getOrDefault(id, "")).build();
    }

    private static EvaluationReport report(EvaluationResult run, List<EvaluationResult> history,
                                           PackComparison.Result compared) {
        List<HistoryPoint> points = history.stream().map(earlier -> {
            Map<String, Double> baseline = new LinkedHashMap<>();
            Map<String, Double> candidate = new LinkedHashMap<>();
            earlier.getMetricsList().forEach(metric -> {
                baseline.put(metric.getName(), metric.getBaseline());
                candidate.put(metric.getName(), metric.getCandidate());
            });
            return new HistoryPoint(earlier.getRunId(), earlier.getFinishedAtMs(), label(earlier.getBaseline()),
                    label(earlier.getCandidate()), baseline, candidate);
        }).toList();
        return new EvaluationReport(run.getRunId(), run.getFinishedAtMs(), info(run.getBaseline()),
                info(run.getCandidate()), run.getDataRange(), run.getEmbeddingModel(), run.getCodeVersion(),
                compared.metrics(), points, compared.jobs());
    }

    private static PackInfo info(PackRef pack) {
        return new PackInfo(pack.getName(), pack.getVersion(), pack.getSha256());
    }

    private static String label(PackRef pack) {
        return pack.getVersion().isEmpty() ? pack.getName() : pack.getName() + "@" + pack.getVersion();
    }
}
