<?php
// Container health check: Cachet answers its API ping. The image has no
// curl; PHP's HTTP stream wrapper is enough. Exit 0 healthy, 1 not.
$ctx = stream_context_create(['http' => ['timeout' => 4, 'header' => "Accept: application/json\r\n"]]);
$body = @file_get_contents('http://127.0.0.1/api/ping', false, $ctx);
exit($body !== false && str_contains($body, 'Pong') ? 0 : 1);
