package dev.grace.boot.internal.posix;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

import jnr.unixsocket.UnixServerSocketChannel;
import jnr.unixsocket.UnixSocketAddress;
import jnr.unixsocket.UnixSocketChannel;
import jnr.unixsocket.UnixSocketOptions;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import dev.grace.boot.internal.Drain;

/**
 * Drain reports over an abstract Unix socket named after the new process's pid: the new
 * process listens from its start and takes one connection, from its parent only (the
 * kernel says who connected: {@code SO_PEERCRED}), until that parent exits; then nothing
 * of it stays open. Abstract, so a read-only root file system is fine.
 */
public final class UnixDrainChannel implements Drain.Channel {

	private static final Log logger = LogFactory.getLog(UnixDrainChannel.class);

	private static final long POLL_MILLIS = 100;

	static UnixSocketAddress address(long pid) {
		return new UnixSocketAddress("\0grace-drain-" + pid);
	}

	@Override
	public Drain.@Nullable Successor connect(long pid) {
		UnixSocketChannel channel;
		try {
			channel = UnixSocketChannel.open(address(pid));
		}
		catch (IOException ex) {
			logger.info("Pid " + pid + " takes no drain reports (" + ex.getMessage() + "): it will not show this "
					+ "drain");
			return null;
		}
		return new Drain.Successor() {

			@Override
			public boolean send(String line) {
				ByteBuffer bytes = ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.US_ASCII));
				try {
					while (bytes.hasRemaining()) {
						channel.write(bytes);
					}
					return true;
				}
				catch (IOException ex) {
					return false;
				}
			}

			@Override
			public void close() {
				try {
					channel.close();
				}
				catch (IOException ex) {
					// nothing left to tell
				}
			}

		};
	}

	@Override
	public void listen(long parentPid, Consumer<@Nullable String> lines) {
		// bound on a thread of its own: loading jnr-unixsocket takes a restarted process's
		// main thread tens of milliseconds, and the parent connects only once this process
		// is ready, seconds later
		Thread thread = new Thread(() -> {
			UnixServerSocketChannel server;
			try {
				server = UnixServerSocketChannel.open();
				server.socket().bind(address(ProcessHandle.current().pid()));
				// polled: a blocked accept() would outlive a parent that never connects
				server.configureBlocking(false);
			}
			catch (IOException ex) {
				logger.warn("Cannot take drain reports from pid " + parentPid + ": " + ex);
				return;
			}
			serve(server, parentPid, lines);
		}, "grace-drain-reports");
		thread.setDaemon(true);
		thread.start();
	}

	private static void serve(UnixServerSocketChannel server, long parentPid, Consumer<@Nullable String> lines) {
		try {
			UnixSocketChannel from;
			try (server) {
				from = awaitParent(server, parentPid);
			}
			if (from == null) {
				return;
			}
			try (from; BufferedReader reader = new BufferedReader(
					new InputStreamReader(Channels.newInputStream(from), StandardCharsets.US_ASCII))) {
				for (String line = reader.readLine(); line != null; line = reader.readLine()) {
					lines.accept(line);
				}
			}
		}
		catch (IOException ex) {
			logger.debug("Drain reports from pid " + parentPid + " ended: " + ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		finally {
			lines.accept(null);
		}
	}

	private static @Nullable UnixSocketChannel awaitParent(UnixServerSocketChannel server, long parentPid)
			throws IOException, InterruptedException {
		while (isRunning(parentPid)) {
			UnixSocketChannel channel = server.accept();
			if (channel == null) {
				Thread.sleep(POLL_MILLIS);
				continue;
			}
			int peer = channel.getOption(UnixSocketOptions.SO_PEERCRED).getPid();
			if (peer == parentPid) {
				channel.configureBlocking(true);
				return channel;
			}
			logger.warn("Ignoring drain reports from pid " + peer + ": only pid " + parentPid + " reports here");
			channel.close();
		}
		return null;
	}

	// A zombie has exited: nobody may reap the parent while this process waits.
	static boolean isRunning(long pid) {
		try {
			String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
			return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
		}
		catch (IOException | RuntimeException ex) {
			return false;
		}
	}

}
