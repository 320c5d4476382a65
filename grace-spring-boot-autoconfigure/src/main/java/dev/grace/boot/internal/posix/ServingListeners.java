package dev.grace.boot.internal.posix;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.jspecify.annotations.Nullable;

import dev.grace.boot.internal.AcceptGate;
import dev.grace.boot.internal.ListenerTable;
import dev.grace.boot.internal.ListeningSocket;
import dev.grace.boot.internal.NamedSocket;

/**
 * The listening sockets this process accepts on, by listener name, found in
 * {@code /proc}; with the sockets it inherited and the gate they wait behind until the
 * application is ready.
 */
public final class ServingListeners implements ListenerTable {

	private final List<Listener> listeners = new CopyOnWriteArrayList<>();

	private final InheritedSockets inherited;

	private final AcceptGate inheritedGate;

	/**
	 * Creates the table of a process.
	 * @param inherited the sockets it inherited
	 * @param inheritedGate what inherited sockets wait for before accepting
	 */
	public ServingListeners(InheritedSockets inherited, AcceptGate inheritedGate) {
		this.inherited = inherited;
		this.inheritedGate = inheritedGate;
	}

	public InheritedSockets inherited() {
		return this.inherited;
	}

	public AcceptGate inheritedGate() {
		return this.inheritedGate;
	}

	/**
	 * Records a listener that started accepting.
	 * @param name its name, unique in this process
	 * @param channel its bound channel
	 * @param stopAccepting makes the listener stop accepting on it, keeping its open
	 * connections
	 * @param awaitTaken waits until what the listener accepted before it stopped has been
	 * read and processed
	 */
	public void register(String name, ServerSocketChannel channel, Runnable stopAccepting, Runnable awaitTaken) {
		this.listeners.removeIf((listener) -> listener.name().equals(name));
		// Found once, while starting: a socket keeps its descriptor while it is open
		ListeningSocket socket = ProcNet.findListening(localAddress(channel)).orElse(null);
		this.listeners.add(new Listener(name, channel, stopAccepting, awaitTaken, socket));
	}

	/**
	 * Forgets a listener whose socket is closed.
	 * @param channel its channel
	 */
	public void unregister(ServerSocketChannel channel) {
		this.listeners.removeIf((listener) -> listener.channel() == channel);
	}

	@Override
	public void startAccepting() {
		this.inherited.closeUnclaimed();
		this.inheritedGate.open();
	}

	@Override
	public void stopAccepting() {
		// all of them first: one that waits must not let another go on accepting
		for (Listener listener : this.listeners) {
			listener.stopAccepting().run();
		}
		for (Listener listener : this.listeners) {
			listener.awaitTaken().run();
		}
	}

	@Override
	public List<NamedSocket> sockets() {
		List<NamedSocket> result = new ArrayList<>();
		for (Listener listener : this.listeners) {
			if (!listener.channel().isOpen()) {
				continue;
			}
			InetSocketAddress local = localAddress(listener.channel());
			ListeningSocket socket = (listener.socket() != null) ? listener.socket()
					: ProcNet.findListening(local).orElse(null);
			if (socket == null && listener.channel().isOpen()) {
				throw new IllegalStateException(
						"No descriptor found for listener '" + listener.name() + "' on " + local);
			}
			if (socket != null) {
				result.add(new NamedSocket(listener.name(), socket));
			}
		}
		return result;
	}

	@Override
	public boolean isEmpty() {
		return this.listeners.isEmpty();
	}

	private static InetSocketAddress localAddress(ServerSocketChannel channel) {
		try {
			return (InetSocketAddress) channel.getLocalAddress();
		}
		catch (ClosedChannelException ex) {
			return new InetSocketAddress(0); // closed while we looked: matches nothing
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private record Listener(String name, ServerSocketChannel channel, Runnable stopAccepting, Runnable awaitTaken,
			@Nullable ListeningSocket socket) {
	}

}
