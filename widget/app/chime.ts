// The optional sound for a message nobody sees (settings.sound, off by default).
let audio: AudioContext | undefined;

/** A short, soft two-tone chime made with Web Audio: no file to load. */
export function chime(): void {
  try {
    audio ??= new AudioContext();
    // browsers start it suspended until the frame had a user gesture; then this stays silent, which is fine
    void audio.resume().catch(() => undefined);
    const now = audio.currentTime;
    const gain = audio.createGain();
    gain.gain.setValueAtTime(0.0001, now);
    gain.gain.exponentialRampToValueAtTime(0.15, now + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, now + 0.3);
    gain.connect(audio.destination);
    const tone = audio.createOscillator();
    tone.type = 'sine';
    tone.frequency.setValueAtTime(880, now);
    tone.frequency.setValueAtTime(1_320, now + 0.1);
    tone.connect(gain);
    tone.start(now);
    tone.stop(now + 0.32);
  } catch {
    // no Web Audio here: the badge is enough
  }
}
