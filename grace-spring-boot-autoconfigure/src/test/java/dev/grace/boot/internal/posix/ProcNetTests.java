package dev.grace.boot.internal.posix;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.FileChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.grace.boot.internal.ListeningSocket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Against the real descriptors of this process.
 */
class ProcNetTests {

	@Test
	void decodesIpv4AsTheKernelWritesIt() throws Exception {
		byte[] address = { 2, 0, 0x1f, (byte) 0x90, 127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0 };
		assertThat(Sockets.decode(address, 16))
			.isEqualTo(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 8080));
	}

	@Test
	void decodesIpv4MappedAndWildcardIpv6() throws Exception {
		assertThat(Sockets.decode(ipv6(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1), 28))
			.isEqualTo(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 80));
		assertThat(Sockets.decode(ipv6(new int[16]), 28).getAddress().isAnyLocalAddress()).isTrue();
		assertThat(Sockets.decode(ipv6(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1), 28).getAddress())
			.isEqualTo(InetAddress.getByName("::1"));
		assertThat(Sockets.decode(new byte[] { 1, 0, 0, 0 }, 4)).as("AF_UNIX").isNull();
	}

	private static byte[] ipv6(int... host) {
		byte[] address = new byte[28];
		address[0] = 10;
		address[3] = 80;
		for (int i = 0; i < 16; i++) {
			address[8 + i] = (byte) host[i];
		}
		return address;
	}

	@Test
	void findsTheDescriptorOfABoundChannel() throws Exception {
		try (ServerSocketChannel channel = ServerSocketChannel.open()) {
			channel.bind(new InetSocketAddress("127.0.0.1", 0));
			InetSocketAddress bound = (InetSocketAddress) channel.getLocalAddress();
			ListeningSocket socket = ProcNet.findListening(bound).orElseThrow();
			assertThat(socket.address().getPort()).isEqualTo(bound.getPort());
			assertThat(ProcNet.listeningSocket(socket.fd())).isEqualTo(socket);
			assertThat(socket.matches(InetAddress.getByName("127.0.0.1"), bound.getPort())).isTrue();
			assertThat(socket.matches(null, bound.getPort())).isFalse();
			assertThat(socket.matches(InetAddress.getByName("127.0.0.1"), bound.getPort() + 1)).isFalse();
		}
	}

	@Test
	void aTemporaryCopyOfTheDescriptorIsNeverTakenForTheListener() throws Exception {
		try (ServerSocketChannel channel = ServerSocketChannel.open()) {
			channel.bind(new InetSocketAddress("127.0.0.1", 0));
			InetSocketAddress bound = (InetSocketAddress) channel.getLocalAddress();
			int fd = ProcNet.findListening(bound).orElseThrow().fd();
			// what a restart holds for a moment while it spawns
			int copy = NativePosix.get().fcntlInt(fd, jnr.constants.platform.Fcntl.F_DUPFD, 900);
			try {
				assertThat(copy).isGreaterThanOrEqualTo(900);
				for (int i = 0; i < 20; i++) {
					assertThat(ProcNet.findListening(bound).orElseThrow().fd()).isEqualTo(fd);
				}
			}
			finally {
				NativePosix.get().close(copy);
			}
		}
	}

	@Test
	void aDualStackWildcardListenerIsFoundAndShownAsIpv6() throws Exception {
		try (ServerSocketChannel channel = ServerSocketChannel.open()) {
			channel.bind(new InetSocketAddress(0));
			InetSocketAddress bound = (InetSocketAddress) channel.getLocalAddress();
			ListeningSocket socket = ProcNet.findListening(bound).orElseThrow();
			assertThat(socket.address().getAddress().isAnyLocalAddress()).isTrue();
			boolean dualStack = Files.readString(Path.of("/proc/self/net/tcp6")).contains(" " + socket.inode() + " ");
			assertThat(socket.hostAndPort()).as("as the kernel lists it")
				.isEqualTo((dualStack ? "[::]:" : "0.0.0.0:") + bound.getPort());
		}
	}

	@Test
	void rejectsADescriptorThatIsNotOpen() {
		int unused = ProcNet.openFds().stream().mapToInt(Integer::intValue).max().orElse(100) + 50;
		assertThatExceptionOfType(InvalidListenFdsException.class)
			.isThrownBy(() -> ProcNet.listeningSocket(unused))
			.withMessage("inherited fd " + unused + " is not open");
	}

	@Test
	void rejectsAFile(@TempDir Path dir) throws IOException {
		Path file = Files.writeString(dir.resolve("not-a-socket"), "x");
		List<Integer> before = ProcNet.openFds();
		try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
			int fd = newFd(before);
			assertThatExceptionOfType(InvalidListenFdsException.class)
				.isThrownBy(() -> ProcNet.listeningSocket(fd))
				.withMessageStartingWith("inherited fd " + fd + " is not a socket (it is " + file);
		}
	}

	@Test
	void rejectsAConnectedSocket() throws IOException {
		try (ServerSocketChannel server = ServerSocketChannel.open()) {
			server.bind(new InetSocketAddress("127.0.0.1", 0));
			List<Integer> before = ProcNet.openFds();
			try (Socket client = new Socket("127.0.0.1", server.socket().getLocalPort())) {
				int fd = newFd(before);
				assertThatExceptionOfType(InvalidListenFdsException.class)
					.isThrownBy(() -> ProcNet.listeningSocket(fd))
					.withMessage("inherited fd " + fd + " is a TCP socket that is not listening");
			}
		}
	}

	private static int newFd(List<Integer> before) {
		List<Integer> added = ProcNet.openFds().stream().filter((fd) -> !before.contains(fd)).toList();
		assertThat(added).hasSize(1);
		return added.get(0);
	}

}
