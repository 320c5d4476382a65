package dev.grace.boot.handover;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The listening sockets this process accepts on, by listener name: what a restart hands
 * to the next process.
 */
public final class ServingListeners {

	private final List<Listener> listeners = new CopyOnWriteArrayList<>();

	/**
	 * Records a listener that started accepting.
	 * @param name its name, unique in this process
	 * @param channel its bound channel
	 * @param stopAccepting makes the listener stop accepting on it, keeping its open
	 * connections
	 */
	public void register(String name, ServerSocketChannel channel, Runnable stopAccepting) {
		this.listeners.removeIf((listener) -> listener.name().equals(name));
		this.listeners.add(new Listener(name, channel, stopAccepting));
	}

	/**
	 * Makes every listener stop accepting: the next process takes all new connections
	 * from here on.
	 */
	public void stopAccepting() {
		for (Listener listener : this.listeners) {
			listener.stopAccepting().run();
		}
	}

	/**
	 * Forgets a listener whose socket is closed.
	 * @param channel its channel
	 */
	public void unregister(ServerSocketChannel channel) {
		this.listeners.removeIf((listener) -> listener.channel() == channel);
	}

	/**
	 * Describes every open listener with its descriptor.
	 * @return the sockets, in registration order
	 */
	public List<NamedSocket> describe() {
		List<NamedSocket> result = new ArrayList<>();
		for (Listener listener : this.listeners) {
			if (!listener.channel().isOpen()) {
				continue;
			}
			InetSocketAddress local = localAddress(listener.channel());
			ListeningSocket socket = ProcNet.findListening(local).orElse(null);
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

	/**
	 * A listener's socket with its name.
	 *
	 * @param name the listener name
	 * @param socket the socket
	 */
	public record NamedSocket(String name, ListeningSocket socket) {
	}

	private record Listener(String name, ServerSocketChannel channel, Runnable stopAccepting) {
	}

}
