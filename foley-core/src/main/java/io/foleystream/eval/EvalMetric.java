package io.foleystream.eval;

/**
 * The metrics a comparison of two packs reports, by the names they carry in reports, on {@code foley.eval.results}
 * and in {@code foley eval history}. Per-job metrics are averaged over the jobs that have a value; set metrics
 * compare all of a side's audio with the reference set at once.
 */
public enum EvalMetric {
    /** E-L1 against the job's own envelope (the upload's sound or its motion), measured with the job's preset. */
    ENVELOPE_L1("envelope_l1", false, false),
    /** E-L1 in T-Foley's published form against the upload's sound ({@link EnvelopeL1.Form#T_FOLEY}). */
    ENVELOPE_L1_T_FOLEY("envelope_l1_t_foley", false, false),
    /** E-L1 in Video-Foley's published form ({@link EnvelopeL1.Form#VIDEO_FOLEY}). */
    ENVELOPE_L1_VIDEO_FOLEY("envelope_l1_video_foley", false, false),
    /** Onset accuracy against the upload's sound ({@link OnsetMetrics}, the CondFoleyGen protocol). */
    ONSET_ACCURACY("onset_accuracy", true, false),
    /** Onset AP against the upload's sound. */
    ONSET_AP("onset_ap", true, false),
    /** CLAP-style cosine of the generated audio with the job's prompt. */
    CLAP_TEXT("clap_text", true, false),
    /** CLAP-style cosine of the generated audio with the upload's sound. */
    CLAP_AUDIO("clap_audio", true, false),
    /** GRAM volume of the audio with the window's video and the prompt, embedded by one judging pack, window mean. */
    GRAM_VOLUME("gram_volume", false, false),
    /** Fréchet audio distance of the eval pack's embeddings to the reference set's. */
    FAD("fad", false, true),
    /** Kernel audio distance to the reference set. */
    KAD("kad", false, true),
    /** Fréchet audio-visual distance: (video, audio) per window against the reference audio with the same video. */
    FAVD("favd", false, true);

    private final String label;
    private final boolean higherIsBetter;
    private final boolean setMetric;

    EvalMetric(String label, boolean higherIsBetter, boolean setMetric) {
        this.label = label;
        this.higherIsBetter = higherIsBetter;
        this.setMetric = setMetric;
    }

    public String label() {
        return label;
    }

    public boolean higherIsBetter() {
        return higherIsBetter;
    }

    public boolean isSetMetric() {
        return setMetric;
    }
}
