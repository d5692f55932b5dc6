package io.foleystream.eval.report;

import java.util.Locale;

/** Text and numbers as the report page writes them, shared by the page and its SVG plots. */
final class Html {

    private Html() {
    }

    /**
     * {@code text} safe inside element content and quoted attributes of HTML and XML alike; null as empty. Job ids
     * and prompts come from uploads, so nothing they contain may become markup.
     */
    static String escape(String text) {
        if (text == null) {
            return "";
        }
        StringBuilder escaped = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '&' -> escaped.append("&amp;");
                case '<' -> escaped.append("&lt;");
                case '>' -> escaped.append("&gt;");
                case '"' -> escaped.append("&quot;");
                case '\'' -> escaped.append("&#39;");
                default -> escaped.append(c);
            }
        }
        return escaped.toString();
    }

    /** A metric value to four significant digits; a missing one (NaN) as a dash. */
    static String number(double value) {
        return Double.isNaN(value) ? "–" : String.format(Locale.ROOT, "%.4g", value);
    }

    /** An SVG coordinate: a tenth of a unit is finer than any screen shows the plots. */
    static String coordinate(double value) {
        return String.format(Locale.ROOT, "%.1f", value);
    }
}
