package dev.grace.boot.internal.posix;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.grace.boot.internal.ListeningSocket;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Which connector gets which inherited socket, with real bound sockets.
 */
class InheritedSocketsTests {

	private final List<ServerSocketChannel> channels = new ArrayList<>();

	private final InheritedSockets sockets = InheritedSockets.none();

	@AfterEach
	void close() throws IOException {
		for (ServerSocketChannel channel : this.channels) {
			channel.close();
		}
	}

	@Test
	void sameNameWinsWhateverThePort() throws Exception {
		ListeningSocket server = inherit("server", "127.0.0.1");
		assertThat(this.sockets.claim("server", null, 0).socket()).isEqualTo(server);
		assertThat(this.sockets.claim("server", null, 0)).isNull();
	}

	@Test
	void sameNameButAnotherConfiguredPortDoesNotMatch() throws Exception {
		ListeningSocket server = inherit("server", "127.0.0.1");
		assertThat(this.sockets.claim("server", null, server.address().getPort() + 1)).isNull();
	}

	@Test
	void otherwiseTheAddressAndPortDecide() throws Exception {
		ListeningSocket unknown = inherit("unknown", "127.0.0.1");
		InetAddress loopback = InetAddress.getByName("127.0.0.1");
		assertThat(this.sockets.claim("extra", null, unknown.address().getPort())).as("wildcard is not loopback")
			.isNull();
		assertThat(this.sockets.claim("extra", loopback, unknown.address().getPort()).socket()).isEqualTo(unknown);
	}

	@Test
	void aRandomPortConnectorNeedsTheName() throws Exception {
		inherit("management", "127.0.0.1");
		assertThat(this.sockets.claim("server", InetAddress.getByName("127.0.0.1"), 0)).isNull();
	}

	@Test
	void wildcardMatchesWildcard() throws Exception {
		ListeningSocket any = inherit("unknown", "0.0.0.0");
		assertThat(this.sockets.claim("server", null, any.address().getPort()).socket()).isEqualTo(any);
	}

	@Test
	void unclaimedSocketsAreClosed() throws Exception {
		ListeningSocket server = inherit("server", "127.0.0.1");
		ListeningSocket stray = inherit("stray", "127.0.0.1");
		this.sockets.claim("server", null, 0);
		assertThat(this.sockets.closeUnclaimed()).containsExactly(stray);
		assertThat(this.channels.get(1).isOpen()).isFalse();
		assertThat(this.channels.get(0).isOpen()).isTrue();
		assertThat(server).isNotNull();
	}

	private ListeningSocket inherit(String name, String host) throws IOException {
		ServerSocketChannel channel = ServerSocketChannel.open();
		this.channels.add(channel);
		channel.bind(new InetSocketAddress(host, 0));
		ListeningSocket socket = ProcNet.findListening((InetSocketAddress) channel.getLocalAddress()).orElseThrow();
		this.sockets.add(name, socket, channel);
		return socket;
	}

}
