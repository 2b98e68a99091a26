/*
 * notify.h: the systemd service protocol, without libsystemd: socket
 * activation (LISTEN_FDS) and sd_notify(3) messages on NOTIFY_SOCKET.
 */
#ifndef RV_NOTIFY_H
#define RV_NOTIFY_H

/* The first socket systemd passed us (fd 3), or -1 if none was. */
int	 systemd_listen_fd(void);
/* Send state ("READY=1", ...) to systemd if it asked for it. */
void	 systemd_notify(const char *state);

#endif
