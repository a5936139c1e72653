<?php
// Container health check: Cachet answers its API ping. The image has no
// curl; PHP's HTTP stream wrapper is enough. Exit 0 healthy, 1 not.
//
// /api/ping answers 200 "Pong!", or 401 once an administrator turns on the
// dashboard setting "API protected" (spec/cachet-api.md; /api/status and
// /api/version do the same then, so no API route avoids it). A 401 is still
// Cachet's application answering through its router and settings, so it
// counts as up; no answer, a timeout, 5xx or anything else does not.
// HEALTHCHECK_URL exists for the tests in deploy/.
$url = getenv('HEALTHCHECK_URL') ?: 'http://127.0.0.1/api/ping';
$ctx = stream_context_create(['http' => [
    'timeout' => 4,
    'header' => "Accept: application/json\r\n",
    'follow_location' => 0,
    'ignore_errors' => true, // keep the answer of a 401 instead of failing
]]);
$body = @file_get_contents($url, false, $ctx);
$headers = function_exists('http_get_last_response_headers') // PHP 8.4 on
    ? (http_get_last_response_headers() ?? [])
    : ($http_response_header ?? []);
$status = 0;
if (isset($headers[0]) && preg_match('#^HTTP/\S+ (\d{3})#', $headers[0], $m)) {
    $status = (int) $m[1];
}
$up = ($status === 200 && $body !== false && str_contains($body, 'Pong')) || $status === 401;
exit($up ? 0 : 1);
