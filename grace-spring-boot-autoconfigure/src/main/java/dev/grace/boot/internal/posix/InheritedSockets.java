package dev.grace.boot.internal.posix;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.channels.ServerSocketChannel;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import dev.grace.boot.internal.ListeningSocket;

/**
 * The listening sockets this process inherited, waiting to be claimed by the listener
 * they belong to. Every one is checked when it is read, so that a bad descriptor stops
 * the start before anything binds.
 */
public final class InheritedSockets {

	private static final Log logger = LogFactory.getLog(InheritedSockets.class);

	private final Map<InheritedFd, Adopted> unclaimed = new LinkedHashMap<>();

	private InheritedSockets() {
	}

	/**
	 * An empty set, for a process started without inherited sockets.
	 * @return no sockets
	 */
	public static InheritedSockets none() {
		return new InheritedSockets();
	}

	/**
	 * Reads and checks the descriptors that {@code env} announces for this process.
	 * @param env the environment
	 * @param selfPid this process's pid
	 * @param lineage who started this process
	 * @return the sockets
	 * @throws InvalidListenFdsException when a variable or descriptor is unusable
	 */
	public static InheritedSockets fromEnvironment(Map<String, String> env, long selfPid, Lineage lineage) {
		InheritedSockets sockets = new InheritedSockets();
		if (ListenFds.meantForAnotherProcess(env, selfPid)) {
			logger.warn("Ignoring " + ListenFds.LISTEN_FDS + "=" + env.get(ListenFds.LISTEN_FDS) + ": "
					+ ListenFds.LISTEN_PID + "=" + env.get(ListenFds.LISTEN_PID) + " names another process");
			return sockets;
		}
		List<InheritedFd> fds = ListenFds.parse(env, selfPid, lineage.hasParent());
		if (fds.isEmpty() && env.containsKey(ListenFds.LISTEN_FDS) && !env.containsKey(ListenFds.LISTEN_PID)) {
			logger.warn("Ignoring " + ListenFds.LISTEN_FDS + "=" + env.get(ListenFds.LISTEN_FDS) + ": without "
					+ ListenFds.LISTEN_PID + " only a grace parent's own child may take them, and "
					+ "this process was not started by one");
		}
		List<ListeningSocket> checked = new ArrayList<>();
		for (InheritedFd fd : fds) {
			checked.add(ProcNet.listeningSocket(fd.fd()));
		}
		for (int i = 0; i < fds.size(); i++) {
			sockets.add(fds.get(i).name(), checked.get(i), ServerSocketChannels.fromFd(fds.get(i).fd()));
		}
		return sockets;
	}

	synchronized void add(String name, ListeningSocket socket, ServerSocketChannel channel) {
		this.unclaimed.put(new InheritedFd(socket.fd(), name), new Adopted(socket, channel));
	}

	/**
	 * Hands the inherited socket that belongs to a listener to it: the one of the same
	 * name if there is one, else the one bound to the same address and port.
	 * @param name the listener's name
	 * @param host its configured address, null for all interfaces
	 * @param port its configured port, 0 for any
	 * @return the claimed socket, or null to bind a new one
	 */
	public synchronized Claimed claim(String name, InetAddress host, int port) {
		Iterator<Map.Entry<InheritedFd, Adopted>> it = this.unclaimed.entrySet().iterator();
		Map.Entry<InheritedFd, Adopted> byAddress = null;
		while (it.hasNext()) {
			Map.Entry<InheritedFd, Adopted> entry = it.next();
			ListeningSocket socket = entry.getValue().socket();
			boolean portFits = port == 0 || port == socket.address().getPort();
			if (entry.getKey().name().equals(name) && portFits) {
				it.remove();
				return new Claimed(entry.getValue().socket(), entry.getValue().channel());
			}
			if (byAddress == null && port != 0 && socket.matches(host, port)) {
				byAddress = entry;
			}
		}
		if (byAddress != null) {
			this.unclaimed.remove(byAddress.getKey());
			return new Claimed(byAddress.getValue().socket(), byAddress.getValue().channel());
		}
		return null;
	}

	/**
	 * Closes the sockets no listener claimed.
	 * @return what was closed
	 */
	public synchronized List<ListeningSocket> closeUnclaimed() {
		List<ListeningSocket> closed = new ArrayList<>();
		for (Map.Entry<InheritedFd, Adopted> entry : this.unclaimed.entrySet()) {
			try {
				entry.getValue().channel().close();
			}
			catch (IOException ex) {
				// closing our copy; nothing else to do
			}
			closed.add(entry.getValue().socket());
			logger.warn("Closed inherited socket '" + entry.getKey().name() + "' " + entry.getValue().socket()
					+ ": no connector claimed it");
		}
		this.unclaimed.clear();
		return closed;
	}

	/**
	 * A socket handed to a listener.
	 *
	 * @param socket what the kernel says of it
	 * @param channel the channel over it
	 */
	public record Claimed(ListeningSocket socket, ServerSocketChannel channel) {
	}

	private record Adopted(ListeningSocket socket, ServerSocketChannel channel) {
	}

}
