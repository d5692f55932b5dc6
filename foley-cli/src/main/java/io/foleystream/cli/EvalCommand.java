package io.foleystream.cli;

import io.foleystream.eval.CandidateEvaluation;
import io.foleystream.eval.EmbeddingCache;
import io.foleystream.eval.EvalPack;
import io.foleystream.eval.report.ReportWriter;
import io.foleystream.gram.NpyFile;
import io.foleystream.onnx.PackException;
import io.foleystream.proto.v1.EvaluationResult;
import io.foleystream.proto.v1.MetricComparison;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "eval", subcommands = EvalCommand.History.class, description = {
        "Compare the live audio of the jobs a candidate pack replayed ('foley replay') with the candidate's, per job "
                + "and in aggregate: E-L1 (the job's own and the T-Foley and Video-Foley forms), onset accuracy and "
                + "AP, CLAP text and audio scores, GRAM volume, and FAD, KAD and FAVD against the uploads' sound "
                + "(or --reference). The run is recorded on foley.eval.results ('foley eval history' lists them)."})
final class EvalCommand implements Callable<Integer> {

    @Mixin
    ClusterOptions cluster;

    @Option(names = "--candidate", required = true, paramLabel = "PACK",
            description = "the pack the replay used: a name or name@version")
    String candidate;

    @Option(names = "--job", paramLabel = "ID", description = "compare only this job (repeatable; default: every job "
            + "the replay completed)")
    List<String> jobIds = new ArrayList<>();

    @Option(names = "--pack-dir", split = ",", paramLabel = "DIR",
            description = "the model packs of the jobs and the candidate (default: models/foley-mini, models/tiny)")
    List<Path> packDirs;

    @Option(names = "--eval-pack", paramLabel = "DIR", description = "the embedding models (default: models/eval-mini)")
    Path evalPack;

    @Option(names = "--reference", paramLabel = "FILE.npy", description = "reference embeddings for FAD and KAD, "
            + "rows of the eval pack's embedding width (default: the uploads' own sound)")
    Path reference;

    @Option(names = "--cache", paramLabel = "DIR", description = "where embeddings are cached by content and model "
            + "hash (default: .foley/embeddings under the FoleyStream home)")
    Path cache;

    @Option(names = "--report", paramLabel = "DIR", description = "write report.json and report.html there")
    Path report;

    @Option(names = "--no-gram-volume", description = "skip the GRAM volume (it loads each job pack's audio encoder)")
    boolean noGramVolume;

    @Option(names = "--dry-run", description = "compare without recording the run")
    boolean dryRun;

    @Override
    public Integer call() throws IOException {
        String bootstrap = cluster.required();
        List<double[]> referenceSet = reference == null ? List.of() : readReference(reference);
        Path home = Foley.home();
        try (EvalPack pack = EvalPack.load(evalPack != null ? evalPack : home.resolve("models/eval-mini"));
             CandidateEvaluation evaluation = new CandidateEvaluation(bootstrap, cluster.security(),
                     packDirs != null ? packDirs : LocalCluster.defaultPackDirs(home),
                     new EmbeddingCache(pack, cache != null ? cache : Foley.stateDir().resolve("embeddings")),
                     !noGramVolume, referenceSet)) {
            CandidateEvaluation.Outcome outcome;
            try {
                outcome = evaluation.evaluate(candidate, jobIds, !dryRun);
            } catch (PackException | IllegalArgumentException | IllegalStateException e) {
                throw new Foley.CliException(Foley.BAD_INPUT, e.getMessage());
            }
            print(outcome.result(), System.out);
            if (report != null) {
                ReportWriter.write(outcome.report(), report);
                System.out.println("report: " + report.resolve(ReportWriter.HTML_FILE));
            }
        }
        return Foley.OK;
    }

    private static List<double[]> readReference(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new Foley.CliException(Foley.BAD_INPUT, "no such file: " + file);
        }
        try {
            return Arrays.asList(NpyFile.readMatrix(file));
        } catch (IllegalArgumentException e) {
            throw new Foley.CliException(Foley.BAD_INPUT, file.getFileName() + ": " + e.getMessage());
        }
    }

    static void print(EvaluationResult run, PrintStream out) {
        out.printf(Locale.ROOT, "run %s  %s vs %s  (%s)%n", run.getRunId(), label(run.getBaseline()),
                label(run.getCandidate()), run.getDataRange());
        out.printf(Locale.ROOT, "%-26s %12s %12s  %s%n", "metric", "baseline", "candidate", "better");
        for (MetricComparison metric : run.getMetricsList()) {
            out.printf(Locale.ROOT, "%-26s %12.6f %12.6f  %s%n", metric.getName(), metric.getBaseline(),
                    metric.getCandidate(), better(metric));
        }
    }

    private static String better(MetricComparison metric) {
        if (Double.isNaN(metric.getBaseline()) || Double.isNaN(metric.getCandidate())
                || metric.getBaseline() == metric.getCandidate()) {
            return "-";
        }
        boolean candidateBetter = metric.getHigherIsBetter() == metric.getCandidate() > metric.getBaseline();
        return candidateBetter ? "candidate" : "baseline";
    }

    private static String label(io.foleystream.proto.v1.PackRef pack) {
        return pack.getVersion().isEmpty() ? pack.getName() : pack.getName() + "@" + pack.getVersion();
    }

    @Command(name = "history", description = "How each metric moved across the recorded evaluation runs, oldest "
            + "first: one row per run, the candidate's value of each metric (baseline's in parentheses).")
    static final class History implements Callable<Integer> {

        @Mixin
        ClusterOptions cluster;

        @Option(names = "--metric", paramLabel = "NAME", description = "only these metrics (repeatable)")
        List<String> metrics = new ArrayList<>();

        @Override
        public Integer call() throws IOException {
            String bootstrap = cluster.required();
            List<EvaluationResult> runs = new io.foleystream.eval.EvaluationResults(bootstrap, cluster.security())
                    .history();
            if (runs.isEmpty()) {
                System.out.println("no evaluation runs recorded on foley.eval.results yet");
                return Foley.OK;
            }
            List<String> names = metrics.isEmpty()
                    ? runs.get(runs.size() - 1).getMetricsList().stream().map(MetricComparison::getName).toList()
                    : metrics;
            StringBuilder header = new StringBuilder(String.format(Locale.ROOT, "%-20s %-10s %-22s", "finished",
                    "run", "candidate"));
            names.forEach(name -> header.append(String.format(Locale.ROOT, " %24s", name)));
            System.out.println(header);
            for (EvaluationResult run : runs) {
                StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "%-20s %-10s %-22s",
                        Instant.ofEpochMilli(run.getFinishedAtMs()).toString().substring(0, 19),
                        run.getRunId().substring(0, 8), label(run.getCandidate())));
                for (String name : names) {
                    MetricComparison metric = run.getMetricsList().stream()
                            .filter(m -> m.getName().equals(name)).findFirst().orElse(null);
                    row.append(metric == null ? String.format(Locale.ROOT, " %24s", "-")
                            : String.format(Locale.ROOT, " %11.4f (%10.4f)", metric.getCandidate(),
                            metric.getBaseline()));
                }
                System.out.println(row);
            }
            return Foley.OK;
        }
    }
}
