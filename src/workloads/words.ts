/**
 * Plain English words synthetic prompts are made of. Ordinary words tokenize predictably in every vocabulary
 * (about 1–1.5 tokens each), so exact lengths converge in a step or two, and the text reads as language rather
 * than noise, so a model's prefill sees realistic token statistics.
 */
export const WORDS: readonly string[] = (
  'the of and to in is was that for it with as on be at by this had not are but from or have an they which one you were her all she there would ' +
  'their we him been has when who will more no if out so said what up its about into than them can only other new some could time these two may then ' +
  'do first any my now such like our over man me even most made after also did many before must through back years where much your way well down ' +
  'should because each just those people how too little state good very make world still own see men work long get here between both life being under ' +
  'never day same another know while last might us great old year off come since against go came right used take three place small found house ' +
  'water story river garden window morning evening summer winter forest mountain village city road bridge letter table chair book paper music light ' +
  'friend family teacher doctor farmer market school question answer number reason family history science nature animal flower stone cloud ship ' +
  'train station kitchen bread apple orange coffee market lesson picture color sound voice power energy system model engine server memory ' +
  'quickly slowly carefully quietly happily together always often sometimes usually never early later today tomorrow yesterday almost nearly ' +
  'build write read open close start finish follow carry bring leave change measure compare improve explain describe remember imagine discover'
).split(' ');
