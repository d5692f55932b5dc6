package io.foleystream.media;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * What an upload contains, as read from its headers.
 *
 * @param container       FFmpeg's demuxer name, e.g. "mov,mp4,m4a,3gp,3g2,mj2"
 * @param durationSeconds the video stream's duration, else the container's; NaN when unknown
 * @param videoCodec      decoder name, e.g. "h264"
 * @param frameRate       average frames per second; NaN when unknown
 * @param audioCodec      decoder name, or null without audio
 * @param width           width of the stored picture; a player shows it turned by {@code rotationDegrees}
 * @param height          height of the stored picture
 * @param rotationDegrees clockwise rotation a player applies to display the picture: 0, 90, 180 or 270; decoded
 *                        frames arrive already turned
 */
public record MediaInfo(
        String container,
        double durationSeconds,
        boolean hasAudio,
        String videoCodec,
        int width,
        int height,
        double frameRate,
        String audioCodec,
        int audioSampleRate,
        int audioChannels,
        int rotationDegrees) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** One JSON object; unknown numbers are null rather than NaN so that any JSON parser reads it. */
    public String toJson() {
        ObjectNode node = JSON.createObjectNode();
        node.put("container", container);
        putFinite(node, "durationSeconds", durationSeconds);
        node.put("hasAudio", hasAudio);
        node.put("videoCodec", videoCodec);
        node.put("width", width);
        node.put("height", height);
        putFinite(node, "frameRate", frameRate);
        node.put("audioCodec", audioCodec);
        node.put("audioSampleRate", audioSampleRate);
        node.put("audioChannels", audioChannels);
        node.put("rotationDegrees", rotationDegrees);
        return node.toString();
    }

    private static void putFinite(ObjectNode node, String name, double value) {
        if (Double.isFinite(value)) {
            node.put(name, value);
        } else {
            node.putNull(name);
        }
    }
}
