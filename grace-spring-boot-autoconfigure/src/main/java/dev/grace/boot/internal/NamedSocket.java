package dev.grace.boot.internal;

/**
 * A listening socket with the name of the listener it belongs to ({@code server},
 * {@code management}, …): the unit a restart hands down.
 *
 * @param name the listener name
 * @param socket the socket
 */
public record NamedSocket(String name, ListeningSocket socket) {

	@Override
	public String toString() {
		return this.name + "=" + this.socket;
	}

}
