// Swagger UI on the gateway's own document; a separate file because the page's CSP allows no inline script.
window.addEventListener("load", () => {
	window.ui = SwaggerUIBundle({ url: "/api/openapi.json", dom_id: "#swagger-ui", deepLinking: true });
});
