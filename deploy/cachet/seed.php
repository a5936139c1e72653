<?php
// statusbridge's Cachet seeder, run by deploy/deploy.sh inside the cachet
// container:
//
//   php seed.php admin EMAIL < password   create the admin user unless it exists
//   php seed.php token EMAIL              print a new API token for statusbridge
//
// The token carries only the abilities statusbridge uses
// (spec/cachet-api.md 1.1), not "*". Issuing a token replaces the earlier
// "statusbridge" tokens of that user, so a lost token file is fixed by
// running deploy.sh again. Secrets travel on stdin/stdout only, never argv.

declare(strict_types=1);

use Illuminate\Contracts\Console\Kernel;
use Illuminate\Support\Facades\Hash;
use Illuminate\Support\Facades\Schema;

const TOKEN_NAME = 'statusbridge';
const ABILITIES = [
    'components.manage',
    'components.delete',
    'component-groups.manage',
    'component-groups.delete',
    'incidents.manage',
    'incident-updates.manage',
    // Maintenance windows for --alertmanager-silenced schedule (spec §13).
    'schedules.manage',
    'schedules.delete',
];

function fail(string $msg): never
{
    fwrite(STDERR, "seed: $msg\n");
    exit(1);
}

[$cmd, $email] = [$argv[1] ?? '', $argv[2] ?? ''];
if (!in_array($cmd, ['admin', 'token'], true) || !filter_var($email, FILTER_VALIDATE_EMAIL)) {
    fail('usage: php seed.php admin|token EMAIL');
}

require '/var/www/html/vendor/autoload.php';
$app = require '/var/www/html/bootstrap/app.php';
$app->make(Kernel::class)->bootstrap();

$model = config('cachet.user_model') ?: \Cachet\Models\User::class;
$user = $model::query()->where('email', $email)->first();

if ($cmd === 'admin') {
    if ($user) {
        fwrite(STDERR, "seed: admin user $email exists; left as it is\n");
        exit(0);
    }
    $password = rtrim((string) stream_get_contents(STDIN), "\r\n");
    if (strlen($password) < 12) {
        fail('the admin password (on stdin) must have at least 12 characters');
    }
    $user = new $model();
    $user->forceFill([
        'name' => 'Administrator',
        'email' => $email,
        'password' => Hash::make($password),
    ]);
    if (Schema::hasColumn($user->getTable(), 'is_admin')) {
        $user->forceFill(['is_admin' => true]);
    }
    $user->save();
    fwrite(STDERR, "seed: admin user $email created\n");
    exit(0);
}

if (!$user) {
    fail("no user $email; run: php seed.php admin $email first");
}
$user->tokens()->where('name', TOKEN_NAME)->delete();
echo $user->createToken(TOKEN_NAME, ABILITIES)->plainTextToken, "\n";
