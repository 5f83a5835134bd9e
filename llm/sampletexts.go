package llm

// SampleTexts returns a few dozen short sentences of plain English, written
// for this course, for measurements that need more than one prompt:
// fitting a lens, averaging hidden states. Each call returns a new slice.
func SampleTexts() []string {
	return []string{
		"The old man walked slowly down the road to the village.",
		"She opened the window and looked out at the rain.",
		"It was the first time he had seen the sea.",
		"The children played in the garden until it was dark.",
		"We will meet again at the station tomorrow morning.",
		"The price of bread rose sharply during the winter.",
		"He wrote a long letter to his brother in the city.",
		"The committee voted to close the school at the end of the year.",
		"There was a small house at the edge of the forest.",
		"The doctor said that the boy would be well in a week.",
		"They drove north for three days without stopping.",
		"The river was high after the storm, and the bridge was closed.",
		"Most of the money was spent on new books for the library.",
		"The dog barked at the man who came to the door.",
		"In the morning the air was cold and the grass was white.",
		"The president spoke to the nation on Sunday night.",
		"Her mother had taught her to read before she went to school.",
		"The plan was simple, but nobody believed it would work.",
		"He put the key in his pocket and left the room.",
		"The train was late, so we waited in the cold for an hour.",
		"The church stood on a hill above the town.",
		"The new law will change the way taxes are paid.",
		"After dinner they sat by the fire and talked about the war.",
		"The company sold more cars this year than ever before.",
		"A bird sang in the tree outside my window.",
		"The teacher asked the class to write a short story.",
		"The farmers needed rain, but the sky stayed clear all summer.",
		"When the music stopped, everyone turned to look at her.",
		"The soldiers marched through the streets of the city.",
		"I have never seen such a beautiful garden.",
		"The ship sailed from the port at noon on Friday.",
		"His father worked at the mill for forty years.",
		"The game ended in a tie after two hours of play.",
		"The cat slept on the chair by the kitchen door.",
		"The king had three sons and one daughter.",
		"They built a new road between the two towns.",
		"The letter arrived on a warm day in the middle of June.",
		"She smiled at him and said nothing for a long time.",
		"The water in the lake was clear and very cold.",
		"Nobody knew where the old woman had gone.",
	}
}
