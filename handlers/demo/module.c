/* module.c: the demo module's descriptor and small shared helpers. */
#include <time.h>

#include "demo.h"

int64_t
demo_now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const struct rv_route routes[] = {
	/* Dioxus */
	RV_GET("/api/test_stream", demo_text_stream),
	RV_GET("/api/json_stream", demo_json_stream),
	RV_POST("/api/upload_as_bytestream", demo_upload_bytestream),
	RV_POST("/api/upload_as_file_stream", demo_upload_filestream),
	RV_GET("/api/validate", demo_validate),
	RV_POST("/api/validate", demo_validate),
	RV_POST("/api/echo", demo_echo),
	/* Oxian */
	RV_GET("/stream", demo_basic_stream),
	RV_GET("/data-stream", demo_data_stream),
	RV_GET("/export/users.csv", demo_export_users),
	RV_GET("/events", demo_events),
	RV_GET("/chat/events", demo_chat_events),
	RV_POST("/chat/send", demo_chat_send),
	RV_GET("/dashboard/metrics", demo_dashboard),
	RV_GET("/stocks/{symbol}/stream", demo_stocks),
	RV_GET("/feed", demo_feed),
	RV_GET("/stream-with-errors", demo_stream_with_errors),
	RV_GET("/big-data", demo_big_data),
	/* Ohkami: its /events clashes with Oxian's counter, hence /ticks */
	RV_GET("/ticks", demo_ticks),
	/* Gravity */
	RV_GET("/streaming/ping", demo_ping),
	RV_GET("/streaming/streamUsers", demo_stream_users),
	/* Files (Oxian download, Dioxus FileStream), Oxian's protected */
	RV_GET("/download/{filename}", demo_download),
	RV_GET("/api/download_as_filestream", demo_filestream),
	RV_GET_GUARDED("/protected/stream", demo_protected_stream, "bearer"),
	RV_ROUTES_END
};

static const struct rv_encoder *const encoders[] = {
	&demo_xml_encoder,
	NULL
};

RV_API extern const struct rv_module RV_MODULE_SYMBOL;
const struct rv_module RV_MODULE_SYMBOL = {
	RV_MODULE_HEAD,
	.name = "demo",
	.routes = routes,
	.encoders = encoders,
	.fini = demo_live_stop,
};
