// Snowball's English stemmer (Porter2), the one METEOR 1.5's stem stage uses (its Constants.newStemmer("english")
// wraps org.tartarus.snowball.ext.englishStemmer); snowball-stemmers is a JavaScript port of the same Snowball code.
import snowball from 'snowball-stemmers';

const english = snowball.newStemmer('english');

export function stem(word: string): string {
  return english.stem(word);
}
