package io.foleystream.service.studio;

import io.foleystream.diffusion.Samplers;
import io.foleystream.envelope.EnvelopeSpec;
import io.foleystream.proto.v1.EnvelopeSource;
import io.foleystream.proto.v1.JobRequest;
import io.foleystream.proto.v1.Modality;
import io.foleystream.proto.v1.SamplerSettings;
import java.util.List;
import java.util.Locale;

/**
 * What the page's form sends to start an upload: the file's name and size, and the job options of
 * {@code foley submit} under the same names (null or empty: the pack's default). It becomes the job's
 * {@link JobRequest}; bad values are refused with a sentence the page shows.
 */
public record UploadOptions(String fileName, Long size, String prompt, String negativePrompt, Long seed,
                            Integer steps, Float cfgScale, String sampler, Float controlScale, List<String> modalities,
                            String envelopeSource, String envelopePreset, String pack) {

    /** These options for another file: a re-run's, whose file is an upload the studio keeps. */
    public UploadOptions forFile(String otherFileName, long otherSize) {
        return new UploadOptions(otherFileName, otherSize, prompt, negativePrompt, seed, steps, cfgScale, sampler,
                controlScale, modalities, envelopeSource, envelopePreset, pack);
    }

    /** The job's request, or IllegalArgumentException saying which option is wrong. */
    public JobRequest toRequest(String jobId, long submittedAtMs) {
        if (size == null || size < 0) {
            throw new IllegalArgumentException("the upload's size in bytes is missing");
        }
        if ((steps != null && steps < 0) || (cfgScale != null && !(cfgScale >= 0))) {
            throw new IllegalArgumentException("steps and CFG scale must not be negative");
        }
        if (controlScale != null && !(controlScale >= 0 && Float.isFinite(controlScale))) {
            throw new IllegalArgumentException("control scale must be ≥ 0");
        }
        String samplerName = text(sampler);
        if (!samplerName.isEmpty() && !Samplers.names().contains(samplerName)) {
            throw new IllegalArgumentException("sampler must be one of " + Samplers.names());
        }
        String preset = text(envelopePreset);
        if (!preset.isEmpty() && !EnvelopeSpec.PRESETS.contains(preset)) {
            throw new IllegalArgumentException("envelope preset must be one of " + EnvelopeSpec.PRESETS);
        }
        SamplerSettings.Builder settings = SamplerSettings.newBuilder()
                .setSampler(samplerName)
                .setSteps(steps == null ? 0 : steps)
                .setCfgScale(cfgScale == null ? 0 : cfgScale);
        if (seed != null) {
            settings.setSeed(seed);
        }
        if (controlScale != null) {
            settings.setControlScale(controlScale);
        }
        return JobRequest.newBuilder()
                .setJobId(jobId)
                .setPrompt(text(prompt))
                .setNegativePrompt(text(negativePrompt))
                .setSampler(settings)
                .addAllModalities(modalities == null ? List.of() : modalities.stream().map(UploadOptions::modality).toList())
                .setEnvelopeSource(source(text(envelopeSource)))
                .setEnvelopePreset(preset)
                .setPack(text(pack))
                .setSubmittedAtMs(submittedAtMs)
                .build();
    }

    private static Modality modality(String name) {
        return switch (name.trim().toLowerCase(Locale.ROOT)) {
            case "video" -> Modality.VIDEO;
            case "text" -> Modality.TEXT;
            case "audio" -> Modality.AUDIO;
            default -> throw new IllegalArgumentException("'" + name + "' is not a modality (video, text, audio)");
        };
    }

    private static EnvelopeSource source(String name) {
        return switch (name) {
            case "", "auto" -> EnvelopeSource.ENVELOPE_SOURCE_AUTO;
            case "audio" -> EnvelopeSource.ENVELOPE_SOURCE_AUDIO;
            case "video" -> EnvelopeSource.ENVELOPE_SOURCE_VIDEO;
            default -> throw new IllegalArgumentException("envelope source must be auto, audio or video, not " + name);
        };
    }

    private static String text(String value) {
        return value == null ? "" : value.trim();
    }
}
