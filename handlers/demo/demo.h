/*
 * demo.h: the demo module: a C equivalent, at the same URL, of every
 * output example in the streaming guides rivulet started from.
 */
#ifndef DEMO_H
#define DEMO_H

#include <stdint.h>

#include <rivulet.h>

/* Milliseconds since the epoch, for the examples' timestamps. */
int64_t	 demo_now_ms(void);

int	 demo_text_stream(struct rv_req *);
int	 demo_json_stream(struct rv_req *);
int	 demo_basic_stream(struct rv_req *);
int	 demo_data_stream(struct rv_req *);
int	 demo_big_data(struct rv_req *);
int	 demo_export_users(struct rv_req *);
int	 demo_events(struct rv_req *);
int	 demo_ticks(struct rv_req *);
int	 demo_stream_with_errors(struct rv_req *);
int	 demo_dashboard(struct rv_req *);
int	 demo_stocks(struct rv_req *);
int	 demo_feed(struct rv_req *);
int	 demo_ping(struct rv_req *);
int	 demo_stream_users(struct rv_req *);
int	 demo_chat_events(struct rv_req *);
int	 demo_chat_send(struct rv_req *);
int	 demo_download(struct rv_req *);
int	 demo_filestream(struct rv_req *);
int	 demo_protected_stream(struct rv_req *);

/* upload.c */
int	 demo_upload_bytestream(struct rv_req *);
int	 demo_upload_filestream(struct rv_req *);
int	 demo_validate(struct rv_req *);
int	 demo_echo(struct rv_req *);

extern const struct rv_encoder demo_xml_encoder;

/* live.c: one thread publishing the dashboard and the stock prices. */
struct demo_cpu {
	unsigned long long	 busy, total;
};
struct demo_market;
int	 demo_live_start(struct rv_req *);
void	 demo_live_stop(void *);
void	 demo_publish_metrics(struct rv_server *, struct demo_cpu *);
struct demo_market *demo_market_new(void);
void	 demo_market_tick(struct demo_market *, struct rv_server *);
void	 demo_market_free(struct demo_market *);

#endif
