package io.foleystream.media;

import static org.bytedeco.ffmpeg.global.avcodec.*;
import static org.bytedeco.ffmpeg.global.avformat.*;
import java.nio.file.Path;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SmokeScratchTest {
    @TempDir Path dir;

    @Test
    void smoke() throws Exception {
        Path out = dir.resolve("clip.avi");
        SyntheticClip.write(out, ClipSpec.sample().withContainer("avi").withDuration(0.5));
        try (UploadSpool spool = UploadSpool.ofFile(out); SafeInput in = SafeInput.open(spool, MediaLimits.defaults())) {
            int v = in.videoStreamIndex();
            System.out.println("tb " + in.stream(v).time_base().num() + "/" + in.stream(v).time_base().den() + " start " + in.stream(v).start_time());
            AVPacket p = av_packet_alloc();
            while (av_read_frame(in.format, p) >= 0) {
                if (p.stream_index() == v) System.out.println("pkt pts=" + p.pts() + " dts=" + p.dts() + " dur=" + p.duration() + " size=" + p.size() + " key=" + (p.flags() & 1));
                av_packet_unref(p);
            }
            av_packet_free(p);
        }
    }
}
