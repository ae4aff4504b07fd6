package io.ebpfagent.demo;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ConnectException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EchoServerTest {

    @Test
    void echoesEveryByteOnSeveralConnections() throws Exception {
        try (EchoServer echo = EchoServer.startLoopback();
             Socket a = new Socket(echo.address().getAddress(), echo.port());
             Socket b = new Socket(echo.address().getAddress(), echo.port())) {
            a.setSoTimeout(5000);
            b.setSoTimeout(5000);
            for (int i = 0; i < 3; i++) {
                byte[] msgA = ("hello " + i).getBytes(StandardCharsets.UTF_8);
                byte[] msgB = new byte[200_000];
                msgB[i] = 42;
                a.getOutputStream().write(msgA);
                b.getOutputStream().write(msgB);
                assertThat(a.getInputStream().readNBytes(msgA.length)).isEqualTo(msgA);
                assertThat(b.getInputStream().readNBytes(msgB.length)).isEqualTo(msgB);
            }
        }
    }

    @Test
    void closeStopsAcceptingAndDropsConnections() throws Exception {
        EchoServer echo = EchoServer.startLoopback();
        int port = echo.port();
        try (Socket open = new Socket(echo.address().getAddress(), port)) {
            open.setSoTimeout(5000);
            open.getOutputStream().write(1);
            assertThat(open.getInputStream().read()).isEqualTo(1);
            echo.close();
            assertThat(open.getInputStream().read()).isEqualTo(-1);
        }
        assertThatThrownBy(() -> new Socket(echo.address().getAddress(), port).close())
                .isInstanceOf(ConnectException.class);
    }

    @Test
    void demoServiceCloseStopsItsEcho() throws IOException {
        DemoService service = DemoService.start(ServiceOptions.ephemeral(ExecutorMode.VIRTUAL));
        var downstream = service.downstream();
        new Socket(downstream.getAddress(), downstream.getPort()).close();
        service.close();
        assertThatThrownBy(() -> new Socket(downstream.getAddress(), downstream.getPort()).close())
                .isInstanceOf(ConnectException.class);
    }
}
