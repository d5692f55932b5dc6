package io.foleystream.eval;

import io.foleystream.assembly.TrackAssembler;
import io.foleystream.assembly.TrackSink;
import io.foleystream.dsp.Channels;
import io.foleystream.dsp.Resampler;
import io.foleystream.envelope.EnvelopeSpec;
import io.foleystream.eval.report.EvaluationReport.JobReport;
import io.foleystream.eval.report.EvaluationReport.MetricRow;
import io.foleystream.gram.GramEncoder;
import io.foleystream.gram.WindowConditioner;
import io.foleystream.proto.v1.AudioWindow;
import io.foleystream.proto.v1.ConditionedWindow;
import io.foleystream.proto.v1.Modality;
import io.foleystream.proto.v1.Window;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Compares the audio two packs made of the same jobs (the live baseline and a replayed candidate) on every
 * {@link EvalMetric}. Each side is judged as a client hears it: its windows assembled into the track
 * ({@link TrackAssembler}). Per-job metrics compare that track with the upload: its envelope (E-L1, measured with
 * the job's own envelope preset, and in the two published forms), its sound (onsets, CLAP audio), its prompt
 * (CLAP text) and its video and prompt embeddings (GRAM volume). Set metrics pool one embedding per live window span
 * of every job and compare the pool with the reference set: the uploads' own sound over the same spans (FAD, KAD,
 * and FAVD, which pairs each span's audio with its GRAM video embedding), or a given set of reference embeddings for
 * FAD and KAD. Where an input is missing (a video-only upload has no sound; a job without a prompt has no text) the
 * metric is NaN for that job and the averages leave it out.
 */
public final class PackComparison {

    private final Function<Window, EnvelopeSpec> envelopeOf;
    private final EmbeddingCache embeddings;
    private final GramEncoder gram;
    private final List<double[]> referenceSet;

    /**
     * @param envelopeOf   the envelope preset a job's windows were measured with
     * @param embeddings   the eval pack's scores, cached
     * @param gram         the GRAM encoders that judge the GRAM volume of both sides alike (a trained pack's: the
     *                     conditioning on the topics is in each job's own pack's space, which may be untrained);
     *                     null leaves the metric out (NaN)
     * @param referenceSet reference embeddings for FAD and KAD; empty: the uploads' sound
     */
    public PackComparison(Function<Window, EnvelopeSpec> envelopeOf, EmbeddingCache embeddings,
                          GramEncoder gram, List<double[]> referenceSet) {
        this.envelopeOf = envelopeOf;
        this.embeddings = embeddings;
        this.gram = gram;
        this.referenceSet = List.copyOf(referenceSet);
    }

    /**
     * The comparison's result.
     *
     * @param metrics every metric: per-job ones averaged over the jobs that have a value, then the set metrics
     * @param jobs    each job's own table and signals, in the order given
     */
    public record Result(List<MetricRow> metrics, List<JobReport> jobs) {
        public MetricRow metric(EvalMetric metric) {
            return metrics.stream().filter(row -> row.name().equals(metric.label())).findFirst().orElseThrow();
        }
    }

    public Result compare(List<ReplayedJob> jobs) {
        if (jobs.isEmpty()) {
            throw new IllegalArgumentException("nothing to compare: no jobs");
        }
        List<JobSides> scored = jobs.stream().map(this::score).toList();
        List<MetricRow> metrics = new ArrayList<>();
        for (EvalMetric metric : EvalMetric.values()) {
            if (!metric.isSetMetric()) {
                metrics.add(new MetricRow(metric.label(),
                        mean(scored.stream().map(job -> job.baseline.values.get(metric)).toList()),
                        mean(scored.stream().map(job -> job.candidate.values.get(metric)).toList()),
                        metric.higherIsBetter()));
            }
        }
        metrics.addAll(setMetrics(scored));
        return new Result(metrics, scored.stream().map(JobSides::report).toList());
    }

    /** One side of one job: its metric values, track (mono, at the source rate) and what its plots draw. */
    private record Side(Map<EvalMetric, Double> values, float[] audio, float[] envelope, double[] onsetsSeconds,
                        List<EvalPack.AudioScores> spans) {
    }

    private record JobSides(ReplayedJob job, String prompt, float[] referenceEnvelope, double envelopeRate,
                            float[] source, double[] sourceOnsetsSeconds, List<EvalPack.AudioScores> sourceSpans,
                            List<double[]> videoEmbeddings, Side baseline, Side candidate) {
        JobReport report() {
            List<MetricRow> rows = new ArrayList<>();
            for (EvalMetric metric : EvalMetric.values()) {
                if (!metric.isSetMetric()) {
                    rows.add(new MetricRow(metric.label(), baseline.values.get(metric),
                            candidate.values.get(metric), metric.higherIsBetter()));
                }
            }
            return new JobReport(job.jobId(), prompt, rows, envelopeRate, referenceEnvelope, baseline.envelope,
                    candidate.envelope, TrackScores.RATE, source, baseline.audio, candidate.audio, sourceOnsetsSeconds,
                    baseline.onsetsSeconds, candidate.onsetsSeconds);
        }
    }

    private JobSides score(ReplayedJob job) {
        List<Window> windows = new ArrayList<>(job.windows());
        windows.sort(Comparator.comparingInt(Window::getIndex));
        if (windows.isEmpty()) {
            throw new IllegalArgumentException("job " + job.jobId() + " has no windows on foley.windows");
        }
        Window first = windows.get(0);
        String prompt = first.getRequest().getPrompt();
        EnvelopeSpec spec = envelopeOf.apply(first);
        float[] referenceEnvelope = JobEvaluation.referenceEnvelope(windows);
        float[] source = TrackScores.sourceAudio(windows);
        List<double[]> spans = TrackScores.spans(windows);
        List<EvalPack.AudioScores> sourceSpans = source.length == 0 ? List.of()
                : embeddings.scoreAll(TrackScores.slices(source, spans), TrackScores.RATE);
        double[] sourceOnsets = source.length == 0 ? new double[0]
                : detectedOnsets(source);
        float[] text = prompt.isBlank() ? null : embeddings.pack().textEmbedding(prompt);
        Map<Integer, ConditionedWindow> conditioned = new java.util.HashMap<>();
        job.conditioned().forEach(window -> conditioned.put(window.getIndex(), window));
        List<double[]> video = new ArrayList<>();
        for (Window window : windows) {
            float[] values = embedding(conditioned.get(window.getIndex()), Modality.VIDEO);
            if (values != null) {
                video.add(toDouble(values));
            }
        }
        float[] gramPrompt = gram == null || prompt.isBlank() ? null : gram.embedText(prompt);
        Side baseline = side(job.jobId(), "baseline", job.baseline(), spec, referenceEnvelope, source, sourceSpans,
                spans, text, windows, gramPrompt);
        Side candidate = side(job.jobId(), "candidate", job.candidate(), spec, referenceEnvelope, source,
                sourceSpans, spans, text, windows, gramPrompt);
        return new JobSides(job, prompt, referenceEnvelope, first.getEnvelopeRateHz(), source, sourceOnsets,
                sourceSpans, video.size() == windows.size() ? video : List.of(), baseline, candidate);
    }

    private Side side(String jobId, String name, List<AudioWindow> audio, EnvelopeSpec spec, float[] reference,
                      float[] source, List<EvalPack.AudioScores> sourceSpans, List<double[]> spans, float[] text,
                      List<Window> windows, float[] gramPrompt) {
        if (audio.isEmpty()) {
            throw new IllegalArgumentException("job " + jobId + " has no " + name + " audio");
        }
        TrackSink.InMemory track = new TrackSink.InMemory();
        TrackAssembler assembler = new TrackAssembler(track);
        audio.forEach(assembler::add);
        if (!assembler.isComplete()) {
            throw new IllegalArgumentException("job " + jobId + " has " + assembler.received() + " of "
                    + assembler.expected() + " " + name + " audio windows");
        }
        float[] mono = Channels.monoMix(track.samples(), track.channels());
        Map<EvalMetric, Double> values = new EnumMap<>(EvalMetric.class);
        float[] envelope = Arrays.copyOf(spec.of(Resampler.resample(mono, track.sampleRate(), spec.sampleRate())),
                reference.length);
        values.put(EvalMetric.ENVELOPE_L1, EnvelopeL1.between(reference, envelope));
        float[] atSourceRate = Resampler.resample(mono, track.sampleRate(), TrackScores.RATE);
        List<EvalPack.AudioScores> scores = embeddings.scoreAll(TrackScores.slices(atSourceRate, spans),
                TrackScores.RATE);
        double[] onsets;
        if (source.length > 0) {
            values.put(EvalMetric.ENVELOPE_L1_T_FOLEY,
                    EnvelopeL1.ofWaveforms(EnvelopeL1.Form.T_FOLEY, source, atSourceRate, TrackScores.RATE));
            values.put(EvalMetric.ENVELOPE_L1_VIDEO_FOLEY,
                    EnvelopeL1.ofWaveforms(EnvelopeL1.Form.VIDEO_FOLEY, source, atSourceRate, TrackScores.RATE));
            OnsetMetrics onsetMetrics = OnsetMetrics.of(source, atSourceRate, TrackScores.RATE);
            values.put(EvalMetric.ONSET_ACCURACY, onsetMetrics.accuracy());
            values.put(EvalMetric.ONSET_AP, onsetMetrics.averagePrecision());
            onsets = seconds(onsetMetrics.generatedOnsets());
            double clapAudio = 0;
            for (int i = 0; i < scores.size(); i++) {
                clapAudio += embeddings.pack().clapScore(scores.get(i).clapEmbedding(),
                        sourceSpans.get(i).clapEmbedding()) / scores.size();
            }
            values.put(EvalMetric.CLAP_AUDIO, clapAudio);
        } else {
            onsets = detectedOnsets(atSourceRate);
        }
        if (text != null) {
            values.put(EvalMetric.CLAP_TEXT, TrackScores.clapText(embeddings.pack(), scores, text));
        }
        values.put(EvalMetric.GRAM_VOLUME, gramVolume(atSourceRate, spans, windows, gramPrompt));
        for (EvalMetric metric : EvalMetric.values()) {
            values.putIfAbsent(metric, Double.NaN);
        }
        return new Side(values, atSourceRate, envelope, onsets, scores);
    }

    /**
     * The GRAM volume of the side's track with each window's video (its sampled frames) and the prompt, all embedded
     * by the judging encoders; NaN without a judge.
     */
    private double gramVolume(float[] audio16k, List<double[]> spans, List<Window> windows, float[] promptEmbedding) {
        if (gram == null) {
            return Double.NaN;
        }
        List<float[]> video = windows.stream().map(window -> window.getFramesCount() == 0 ? null
                : gram.embedVideo(window.getFramesList().stream().map(frame -> frame.getPng().toByteArray())
                        .toList())).toList();
        return TrackScores.gramVolume(gram, video, promptEmbedding, TrackScores.slices(audio16k, spans));
    }

    private List<MetricRow> setMetrics(List<JobSides> jobs) {
        List<double[]> reference = new ArrayList<>(referenceSet);
        if (reference.isEmpty()) {
            jobs.forEach(job -> job.sourceSpans.forEach(span -> reference.add(toDouble(span.embedding()))));
        }
        List<double[]> baseline = new ArrayList<>();
        List<double[]> candidate = new ArrayList<>();
        for (JobSides job : jobs) {
            job.baseline.spans.forEach(span -> baseline.add(toDouble(span.embedding())));
            job.candidate.spans.forEach(span -> candidate.add(toDouble(span.embedding())));
        }
        double[][] referenceRows = reference.toArray(double[][]::new);
        List<MetricRow> rows = new ArrayList<>();
        rows.add(new MetricRow(EvalMetric.FAD.label(), distance(referenceRows, baseline, FrechetDistance::between),
                distance(referenceRows, candidate, FrechetDistance::between), false));
        rows.add(new MetricRow(EvalMetric.KAD.label(),
                distance(referenceRows, baseline, KernelAudioDistance::between),
                distance(referenceRows, candidate, KernelAudioDistance::between), false));
        rows.add(new MetricRow(EvalMetric.FAVD.label(), favd(jobs, job -> job.baseline),
                favd(jobs, job -> job.candidate), false));
        return rows;
    }

    private static double favd(List<JobSides> jobs, Function<JobSides, Side> side) {
        List<AudioVisualFrechet.Clip> reference = new ArrayList<>();
        List<AudioVisualFrechet.Clip> evaluated = new ArrayList<>();
        for (JobSides job : jobs) {
            if (job.videoEmbeddings.isEmpty() || job.sourceSpans.isEmpty()) {
                continue;
            }
            double[][] video = job.videoEmbeddings.toArray(double[][]::new);
            reference.add(new AudioVisualFrechet.Clip(video, rows(job.sourceSpans)));
            evaluated.add(new AudioVisualFrechet.Clip(video, rows(side.apply(job).spans)));
        }
        int steps = reference.stream().mapToInt(clip -> clip.video().length).sum();
        return steps < 2 ? Double.NaN : AudioVisualFrechet.between(reference, evaluated);
    }

    private interface Distance {
        double between(double[][] reference, double[][] evaluated);
    }

    /** A set distance, NaN when either set is too small for a covariance (fewer than two embeddings). */
    private static double distance(double[][] reference, List<double[]> evaluated, Distance distance) {
        if (reference.length < 2 || evaluated.size() < 2) {
            return Double.NaN;
        }
        return distance.between(reference, evaluated.toArray(double[][]::new));
    }

    private static double[][] rows(List<EvalPack.AudioScores> spans) {
        return spans.stream().map(span -> toDouble(span.embedding())).toArray(double[][]::new);
    }

    private static float[] embedding(ConditionedWindow window, Modality modality) {
        if (window == null) {
            return null;
        }
        return window.getEmbeddingsList().stream().filter(embedding -> embedding.getModality() == modality)
                .findFirst().map(WindowConditioner::values).orElse(null);
    }

    /** Onsets as the protocol detects them, for the plots of a side with no target to score against. */
    private static double[] detectedOnsets(float[] audio) {
        return seconds(OnsetDetector.detectSamples(Resampler.resample(audio, TrackScores.RATE, OnsetDetector.SAMPLE_RATE),
                OnsetMetrics.DETECTION_DELTA));
    }

    private static double[] seconds(int[] samplesAt22k) {
        return Arrays.stream(samplesAt22k).mapToDouble(sample -> sample / (double) OnsetDetector.SAMPLE_RATE)
                .toArray();
    }

    private static double[] toDouble(float[] values) {
        double[] doubles = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            doubles[i] = values[i];
        }
        return doubles;
    }

    private static double mean(List<Double> values) {
        double sum = 0;
        int count = 0;
        for (double value : values) {
            if (!Double.isNaN(value)) {
                sum += value;
                count++;
            }
        }
        return count == 0 ? Double.NaN : sum / count;
    }
}
