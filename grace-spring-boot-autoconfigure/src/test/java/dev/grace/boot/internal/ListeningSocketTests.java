package dev.grace.boot.internal;

import java.net.InetAddress;
import java.net.InetSocketAddress;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ListeningSocketTests {

	@Test
	void aDualStackWildcardIsShownAsItIs() throws Exception {
		ListeningSocket any6 = new ListeningSocket(3, new InetSocketAddress(InetAddress.getByName("::"), 8080), 1);
		ListeningSocket any4 = new ListeningSocket(3, new InetSocketAddress(InetAddress.getByName("0.0.0.0"), 8080),
				1);
		assertThat(any6.hostAndPort()).isEqualTo("[::]:8080");
		assertThat(any4.hostAndPort()).isEqualTo("0.0.0.0:8080");
		assertThat(any6.matches(null, 8080)).isTrue();
		assertThat(any6.matches(InetAddress.getByName("0.0.0.0"), 8080)).isTrue();
		assertThat(any4.matches(InetAddress.getByName("::"), 8080)).isTrue();
		assertThat(any6.matches(InetAddress.getByName("127.0.0.1"), 8080)).isFalse();
	}

	@Test
	void anIpv4MappedAddressIsIpv4() throws Exception {
		assertThat(ListeningSocket.normalize(InetAddress.getByName("::ffff:127.0.0.1")))
			.isEqualTo(InetAddress.getByName("127.0.0.1"));
		ListeningSocket loopback = new ListeningSocket(4,
				new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 8081), 2);
		assertThat(loopback.matches(InetAddress.getByName("::ffff:127.0.0.1"), 8081)).isTrue();
		assertThat(loopback.matches(InetAddress.getByName("127.0.0.1"), 8082)).isFalse();
		assertThat(loopback).hasToString("fd 4 (127.0.0.1:8081)");
	}

}
