/**
 * What the restart core tells whoever manages the service from outside: systemd's
 * notification protocol and watchdog, and a PID file that always names the serving
 * process. Internal: not an API.
 */
@NullMarked
package dev.grace.boot.internal.service;

import org.jspecify.annotations.NullMarked;
