package io.foleystream.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class RuntimeOptionsTest {

    @Test
    void readsTheServiceDeviceSetting() {
        assertThat(RuntimeOptions.forDevice("cpu", 2)).isEqualTo(RuntimeOptions.cpu(2));
        assertThat(RuntimeOptions.forDevice("CUDA", 0)).isEqualTo(RuntimeOptions.cuda(0, 0));
        assertThat(RuntimeOptions.forDevice("cuda:3", 4)).isEqualTo(RuntimeOptions.cuda(3, 4));
        assertThatThrownBy(() -> RuntimeOptions.forDevice("gpu", 0)).hasMessageContaining("cpu, cuda or cuda:N");
    }
}
