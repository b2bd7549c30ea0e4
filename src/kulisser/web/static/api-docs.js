// Starts Swagger UI on /api/docs. A static file, not an inline script: the page has the same
// Content-Security-Policy as every other (script-src 'self').
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  var csrf = root.getAttribute("data-csrf-token") || "";
  window.ui = window.SwaggerUIBundle({
    url: root.getAttribute("data-openapi-url"),
    domNode: root,
    deepLinking: true,
    // No badge fetched from validator.swagger.io: nothing leaves the site.
    validatorUrl: null,
    presets: [window.SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    // "Try it out" from a logged-in browser: unsafe calls need the session's CSRF token.
    requestInterceptor: function (request) {
      if (csrf) {
        request.headers["X-CSRF-Token"] = csrf;
      }
      return request;
    }
  });
})();
