package io.foleystream.service.studio;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The two pieces of HTTP the studio writes by hand: a server-sent event's frame and a single byte range. */
final class HttpBits {

    private static final Pattern RANGE = Pattern.compile("bytes=(\\d*)-(\\d*)");

    /** The bytes a {@code Range} header asks for, inclusive. */
    record ByteRange(long first, long last) {
        long length() {
            return last - first + 1;
        }
    }

    private HttpBits() {
    }

    /**
     * One event of {@code text/event-stream}: its name, then the data with one {@code data:} line per line (the
     * spec's framing, so a line break in the data cannot end the event early), then the blank line that ends it.
     */
    static String eventFrame(String event, String data) {
        StringBuilder frame = new StringBuilder("event: ").append(event).append('\n');
        for (String line : data.split("\r\n|\r|\n", -1)) {
            frame.append("data: ").append(line).append('\n');
        }
        return frame.append('\n').toString();
    }

    /**
     * The one range of {@code header} within a file of {@code size} bytes; empty for no header or one this does not
     * serve (several ranges), which gets the whole file; IllegalArgumentException for a range outside the file (416).
     */
    static Optional<ByteRange> range(String header, long size) {
        if (header == null) {
            return Optional.empty();
        }
        Matcher m = RANGE.matcher(header.trim());
        if (!m.matches() || (m.group(1).isEmpty() && m.group(2).isEmpty())) {
            return Optional.empty();
        }
        long first;
        long last;
        if (m.group(1).isEmpty()) { // the last N bytes
            long suffix = Long.parseLong(m.group(2));
            first = Math.max(0, size - suffix);
            last = size - 1;
        } else {
            first = Long.parseLong(m.group(1));
            last = m.group(2).isEmpty() ? size - 1 : Math.min(size - 1, Long.parseLong(m.group(2)));
        }
        if (first >= size || first > last) {
            throw new IllegalArgumentException("range " + header + " is outside the " + size + " bytes");
        }
        return Optional.of(new ByteRange(first, last));
    }
}
