package io.foleystream.bench;

import io.foleystream.proto.v1.EnvelopeSource;
import io.foleystream.proto.v1.Modality;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One row of the foley-mini evaluation: which GRAM modalities condition the generator, where the envelope comes
 * from, the ControlNet's scale, and whether the prompt names another material than the picture shows.
 *
 * <p>Written as {@code MODALITIES ENVELOPE [@SCALE] [/swap]}: modalities are letters of V (video), A (audio), T
 * (text) in that order, as the paper's rows name them; the envelope is {@code +env} (measured on the clip's
 * audio), {@code -env} (none: the pack's "no envelope" value) or {@code +motion} (read from the picture);
 * {@code @0} sets the control scale (default 1); {@code /swap} gives a prompt naming another material. E.g.
 * {@code VAT+env}, {@code T-env}, {@code VAT+env@0}, {@code V+motion}, {@code VT+motion/swap}.
 *
 * @param envelope AUDIO or VIDEO: the job's envelope source; null: the window goes to the generator without one
 */
record AblationConfig(String name, Set<Modality> modalities, EnvelopeSource envelope, float controlScale,
                      boolean swappedPrompt) {

    private static final Pattern SYNTAX =
            Pattern.compile("(V?A?T?)(\\+env|-env|\\+motion)(?:@(\\d+(?:\\.\\d+)?))?(/swap)?");
    private static final List<String> TABLE_II = List.of("V", "T", "A", "VT", "VA", "VAT");

    /** The ablation (Table II: every modality set with and without the envelope), then the acceptance rows. */
    static final List<String> DEFAULTS = defaults();

    static AblationConfig parse(String text) {
        Matcher m = SYNTAX.matcher(text.strip());
        if (!m.matches() || m.group(1).isEmpty()) {
            throw new IllegalArgumentException("configuration '" + text + "' is not MODALITIES(+env|-env|+motion)"
                    + "[@SCALE][/swap] with modalities from V, A, T in that order, e.g. VAT+env, T-env, "
                    + "VAT+env@0, VT+motion/swap");
        }
        Set<Modality> modalities = EnumSet.noneOf(Modality.class);
        for (char letter : m.group(1).toCharArray()) {
            modalities.add(switch (letter) {
                case 'V' -> Modality.VIDEO;
                case 'T' -> Modality.TEXT;
                default -> Modality.AUDIO;
            });
        }
        EnvelopeSource envelope = switch (m.group(2)) {
            case "+env" -> EnvelopeSource.ENVELOPE_SOURCE_AUDIO;
            case "+motion" -> EnvelopeSource.ENVELOPE_SOURCE_VIDEO;
            default -> null;
        };
        float scale = m.group(3) == null ? 1f : Float.parseFloat(m.group(3));
        boolean swapped = m.group(4) != null;
        if (swapped && !modalities.contains(Modality.TEXT)) {
            throw new IllegalArgumentException("configuration '" + text + "' swaps the prompt but has no T");
        }
        String canonical = m.group(1) + m.group(2) + (m.group(3) == null ? "" : "@" + m.group(3))
                + (swapped ? "/swap" : "");
        return new AblationConfig(canonical, modalities, envelope, scale, swapped);
    }

    /** A comma-separated list; "default" (or nothing) is {@link #DEFAULTS}. */
    static List<AblationConfig> parseList(String text) {
        List<String> names = text == null || text.isBlank() || text.strip().equals("default") ? DEFAULTS
                : List.of(text.split(","));
        List<AblationConfig> configs = new ArrayList<>();
        for (String name : names) {
            AblationConfig config = parse(name);
            if (configs.stream().anyMatch(c -> c.name().equals(config.name()))) {
                throw new IllegalArgumentException("configuration " + config.name() + " is listed twice");
            }
            configs.add(config);
        }
        return configs;
    }

    /** Whether the window reaches the generator with an envelope. */
    boolean hasEnvelope() {
        return envelope != null;
    }

    /** The envelope source the job asks the envelope stage for (audio when the window will go without one). */
    EnvelopeSource decodeSource() {
        return envelope == null ? EnvelopeSource.ENVELOPE_SOURCE_AUDIO : envelope;
    }

    private static List<String> defaults() {
        List<String> names = new ArrayList<>();
        for (String modalities : TABLE_II) {
            names.add(modalities + "+env");
            names.add(modalities + "-env");
        }
        names.add("VAT+env@0");      // acceptance 1: E-L1 against the same model without timing control
        names.add("V+motion");       // acceptance 2: the picture alone, envelope from its motion
        names.add("VT+motion/swap"); // acceptance 2: a prompt naming another material than the picture shows
        return List.copyOf(names);
    }
}
