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

/* upload.c */
int	 demo_upload_bytestream(struct rv_req *);
int	 demo_upload_filestream(struct rv_req *);
int	 demo_validate(struct rv_req *);
int	 demo_echo(struct rv_req *);

extern const struct rv_encoder demo_xml_encoder;

#endif
