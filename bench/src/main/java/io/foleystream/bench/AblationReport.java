package io.foleystream.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The foley-mini evaluation as markdown (table and acceptance checks) and as JSON (every clip's values). */
final class AblationReport {

    private AblationReport() {
    }

    static String markdown(Map<String, Object> header, List<AblationScores.Row> rows,
                           Map<AblationConfig, List<AblationScores.Clip>> perClip) {
        StringBuilder out = new StringBuilder("# foley-mini evaluation\n\n");
        header.forEach((key, value) -> out.append("- ").append(key).append(": ").append(value).append('\n'));
        Harness.Table table = new Harness.Table("configuration", "clips", "FAD ↓", "CLAP ↑", "material acc ↑",
                "prompt's material", "onset acc ↑", "onset AP ↑", "E-L1 ↓", "s / clip");
        for (AblationScores.Row row : rows) {
            table.row(row.config().name(), String.valueOf(row.clips()), number(row.fad()), number(row.clap()),
                    number(row.materialAccuracy()),
                    row.config().swappedPrompt() ? number(row.promptMaterialShare()) : "–",
                    number(row.onsetAccuracy()), number(row.onsetAp()), number(row.envelopeL1()),
                    Harness.format("%.2f", row.secondsPerClip()));
        }
        out.append("\n").append(table.markdown()).append("\n").append(LEGEND).append("\n## Acceptance (issue 8)\n\n");
        acceptance(rows, perClip).forEach(line -> out.append("- ").append(line).append('\n'));
        return out.toString();
    }

    private static final String LEGEND = """
            Configurations: V, T, A = GRAM video, text (the clip's caption) and audio (the clip's sound) embeddings \
            given to the generator, the others as the pack's null token; +env = envelope from the clip's audio, \
            -env = no envelope (the pack's absent value), +motion = envelope from the picture's motion; @0 = \
            ControlNet scale 0; /swap = the prompt names another material than the picture shows (metal, wood, \
            glass in turn) and "prompt's material" is the share of clips eval-mini hears as that material. CLAP is \
            against the prompt given (the caption unless swapped). E-L1 compares peak-normalised T-Foley envelopes \
            of the clip's sound and the generated sound. s / clip: conditioning and generation, not scoring.
            """;

    /** The acceptance points 1 and 2, from whichever of their rows were run. */
    static List<String> acceptance(List<AblationScores.Row> rows,
                                   Map<AblationConfig, List<AblationScores.Clip>> perClip) {
        List<String> lines = new ArrayList<>();
        Optional<AblationScores.Row> controlled = row(rows, "VAT+env");
        Optional<AblationScores.Row> uncontrolled = row(rows, "VAT+env@0");
        controlled.ifPresent(r -> lines.add(Harness.format("1. VAT+env: onset acc %s (goal ≥ 0.8: %s), onset AP %s "
                        + "(goal ≥ 0.7: %s)", number(r.onsetAccuracy()), met(r.onsetAccuracy() >= 0.8),
                number(r.onsetAp()), met(r.onsetAp() >= 0.7))));
        if (controlled.isPresent() && uncontrolled.isPresent()) {
            double ratio = controlled.get().envelopeL1() / uncontrolled.get().envelopeL1();
            lines.add(Harness.format("1. E-L1 VAT+env / VAT+env@0 = %s / %s = %s (goal ≤ 0.5: %s)",
                    number(controlled.get().envelopeL1()), number(uncontrolled.get().envelopeL1()), number(ratio),
                    met(ratio <= 0.5)));
        }
        row(rows, "V+motion").ifPresent(r -> lines.add(Harness.format("2. picture alone (V+motion): material acc %s "
                + "(goal ≥ 0.7: %s)", number(r.materialAccuracy()), met(r.materialAccuracy() >= 0.7))));
        row(rows, "T-env").ifPresent(r -> lines.add(Harness.format("2. prompt alone (T-env): material acc %s "
                + "(goal ≥ 0.8: %s)", number(r.materialAccuracy()), met(r.materialAccuracy() >= 0.8))));
        for (AblationScores.Row row : rows) {
            if (!row.config().swappedPrompt()) {
                continue;
            }
            StringBuilder named = new StringBuilder();
            for (String material : FoleyMiniHarness.PROMPT_MATERIALS) {
                List<AblationScores.Clip> asked = perClip.get(row.config()).stream()
                        .filter(c -> c.promptMaterial().equals(material)).toList();
                long heard = asked.stream().filter(c -> c.predicted().equals(material)).count();
                named.append(Harness.format(", %s %d/%d", material, heard, asked.size()));
            }
            lines.add(Harness.format("2. prompt over picture (%s): heard as the prompt's material %s, as the "
                    + "picture's %s%s", row.config().name(), number(row.promptMaterialShare()),
                    number(row.materialAccuracy()), named));
        }
        return lines;
    }

    /** A line per configuration while the run goes on. */
    static String progressLine(AblationScores.Row row) {
        return Harness.format("%-16s %d clips: material %s, onset acc %s, AP %s, E-L1 %s, FAD %s, %.2f s/clip",
                row.config().name(), row.clips(), number(row.materialAccuracy()), number(row.onsetAccuracy()),
                number(row.onsetAp()), number(row.envelopeL1()), number(row.fad()), row.secondsPerClip());
    }

    static Map<String, Object> json(Map<String, Object> header, List<AblationScores.Row> rows,
                                    Map<AblationConfig, List<AblationScores.Clip>> perClip) {
        Map<String, Object> out = new LinkedHashMap<>(header);
        List<Map<String, Object>> configurations = new ArrayList<>();
        for (AblationScores.Row row : rows) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("configuration", row.config().name());
            entry.put("clips", row.clips());
            entry.put("fad", finite(row.fad()));
            entry.put("clap", row.clap());
            entry.put("material_accuracy", row.materialAccuracy());
            entry.put("prompt_material_share", row.promptMaterialShare());
            entry.put("onset_accuracy", row.onsetAccuracy());
            entry.put("onset_ap", row.onsetAp());
            entry.put("envelope_l1", row.envelopeL1());
            entry.put("seconds_per_clip", row.secondsPerClip());
            List<Map<String, Object>> clips = new ArrayList<>();
            for (AblationScores.Clip clip : perClip.get(row.config())) {
                Map<String, Object> values = new LinkedHashMap<>();
                values.put("seed", clip.seed());
                values.put("material", clip.material());
                values.put("prompt_material", clip.promptMaterial());
                values.put("predicted_material", clip.predicted());
                values.put("clap", clip.clap());
                values.put("onset_accuracy", clip.onsetAccuracy());
                values.put("onset_ap", clip.onsetAp());
                values.put("envelope_l1", clip.envelopeL1());
                values.put("seconds", clip.seconds());
                clips.add(values);
            }
            entry.put("per_clip", clips);
            configurations.add(entry);
        }
        out.put("configurations", configurations);
        return out;
    }

    private static Optional<AblationScores.Row> row(List<AblationScores.Row> rows, String name) {
        return rows.stream().filter(r -> r.config().name().equals(name)).findFirst();
    }

    private static String number(double value) {
        return Double.isNaN(value) ? "n/a" : Harness.format("%.3f", value);
    }

    /** JSON has no NaN: FAD of a single clip is null. */
    private static Double finite(double value) {
        return Double.isFinite(value) ? value : null;
    }

    private static String met(boolean met) {
        return met ? "met" : "not met";
    }
}
