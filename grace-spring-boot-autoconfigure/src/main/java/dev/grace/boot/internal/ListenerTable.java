package dev.grace.boot.internal;

import java.util.List;

/**
 * The listening sockets of this process: what a restart hands down, and the switches
 * that make this process start and stop accepting on them.
 */
public interface ListenerTable {

	/**
	 * The open listening sockets, by listener name.
	 * @return the sockets, in registration order
	 */
	List<NamedSocket> sockets();

	/**
	 * Whether any connector takes part in restarts.
	 * @return true once one registered its socket
	 */
	default boolean isEmpty() {
		return sockets().isEmpty();
	}

	/**
	 * Starts accepting on inherited sockets and closes those no listener claimed; before
	 * this the previous process accepts alone.
	 */
	void startAccepting();

	/**
	 * Stops accepting on every socket, keeping open connections: the next process takes
	 * all new connections from here on. Returns once no acceptor is in {@code accept()}
	 * and what was accepted before has been read and processed (bounded by the drain
	 * timeout), so that the application may start closing.
	 */
	void stopAccepting();

}
