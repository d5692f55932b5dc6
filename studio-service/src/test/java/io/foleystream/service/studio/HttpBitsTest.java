package io.foleystream.service.studio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class HttpBitsTest {

    @Test
    void anEventIsItsNameThenOneDataLinePerLineThenABlankLine() {
        assertThat(HttpBits.eventFrame("status", "{\"a\":1}")).isEqualTo("event: status\ndata: {\"a\":1}\n\n");
        assertThat(HttpBits.eventFrame("status", "one\ntwo\r\nthree"))
                .isEqualTo("event: status\ndata: one\ndata: two\ndata: three\n\n");
    }

    @Test
    void servesOneRangeWithinTheFile() {
        assertThat(HttpBits.range("bytes=0-99", 1000)).contains(new HttpBits.ByteRange(0, 99));
        assertThat(HttpBits.range("bytes=900-", 1000)).contains(new HttpBits.ByteRange(900, 999));
        assertThat(HttpBits.range("bytes=-100", 1000)).contains(new HttpBits.ByteRange(900, 999));
        assertThat(HttpBits.range("bytes=990-5000", 1000)).contains(new HttpBits.ByteRange(990, 999));
        assertThat(HttpBits.range("bytes=990-5000", 1000).get().length()).isEqualTo(10);
    }

    @Test
    void servesTheWholeFileForNoRangeOrSeveralAndRefusesOneOutside() {
        assertThat(HttpBits.range(null, 1000)).isEmpty();
        assertThat(HttpBits.range("bytes=0-1,5-6", 1000)).isEmpty();
        assertThatThrownBy(() -> HttpBits.range("bytes=1000-", 1000)).isInstanceOf(IllegalArgumentException.class);
    }
}
